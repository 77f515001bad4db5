import {
  ipcResultSchema,
  type DeepLink,
  type IpcChannel,
  type IpcResponse,
  type RunLocationDecision,
  type TandemDesktopApi,
  type RunLocationSetting,
} from '../../../../shared/protocol/ipc.js';
import type { Host } from './host.js';

declare global {
  interface Window {
    /** Present only inside the desktop app: the preload's API (shared/protocol/ipc.ts). */
    tandemDesktop?: TandemDesktopApi;
  }
}

/** What the main process answered, parsed like any message that crosses a process; a refusal becomes an Error. */
async function unwrap<C extends IpcChannel>(channel: C, call: Promise<unknown>): Promise<IpcResponse<C>> {
  const parsed = ipcResultSchema(channel).safeParse(await call);
  if (!parsed.success) throw new Error(`The desktop app answered ${channel} in a form this page does not understand. Reinstall Tandem.`);
  if (!parsed.data.ok) throw new Error(parsed.data.error.message);
  return parsed.data.value as IpcResponse<C>;
}

/**
 * The desktop build: the server is the one chosen on first start (kept by the main process), and the session
 * lives in the OS keychain through the main process, never in localStorage. `null` when no server is chosen yet.
 */
export async function createElectronHost(api: TandemDesktopApi): Promise<Host | null> {
  const settings = await unwrap('settings.get', api.settings.get());
  if (!settings.serverUrl) return null;
  return {
    kind: 'desktop',
    serverUrl: settings.serverUrl,
    sessions: {
      async load() {
        return (await unwrap('session.load', api.session.load())).session;
      },
      async save(session) {
        const answer = await unwrap('session.save', api.session.save({ session }));
        // No OS keychain (Linux without a secret service): the session lasts as long as this window.
        if (!answer.ok) console.warn(answer.message);
      },
      async clear() {
        await unwrap('session.clear', api.session.clear());
      },
    },
    // One window per app instance: nothing to serialise against but itself.
    exclusive: (_name, work) => work(),
  };
}

/** What came of choosing a server: the normalised address, or the user said no in the main process's dialog. */
export type ServerChoice = { chosen: true; url: string } | { chosen: false; message: string };

/**
 * Saves the server address typed on first start, or a new one later (the main process then asks the user in a
 * native dialog, and forgets the old server's session if they agree). Rejects with what is wrong with the address.
 */
export async function chooseServer(api: TandemDesktopApi, url: string): Promise<ServerChoice> {
  const answer = await unwrap('settings.setServerUrl', api.settings.setServerUrl({ url }));
  if (answer.ok) return { chosen: true, url: answer.url };
  if ('cancelled' in answer) return { chosen: false, message: answer.message };
  throw new Error(answer.message);
}

/** Takes the deep links waiting in the main process, oldest first (they are then this page's to act on). */
export async function takeDeepLinks(api: TandemDesktopApi): Promise<DeepLink[]> {
  return (await unwrap('deepLink.take', api.deepLink.take())).links;
}

/** Where the desktop app runs code (the main process decides), and the local Docker engine's run stream. */
export interface DesktopRuns {
  location(): Promise<RunLocationDecision>;
  /** ws://127.0.0.1:PORT/runs/stream?token=…, the main process's run stream on this computer's Docker engine. */
  localStreamUrl(): Promise<string>;
  /** ws://127.0.0.1:PORT/terminals?token=…, the main process's terminals on this computer's Docker engine (one socket, one shell). */
  localTerminalUrl(): Promise<string>;
  /** The setting behind the decision: Cloud, Local, or Auto (cloud when the server answers, local otherwise). */
  setting(): Promise<RunLocationSetting>;
  choose(setting: RunLocationSetting): Promise<void>;
}

export function createDesktopRuns(api: TandemDesktopApi): DesktopRuns {
  return {
    location: () => unwrap('runLocation.get', api.runLocation.get()),
    localStreamUrl: async () => (await unwrap('localSandbox.connect', api.localSandbox.connect())).url,
    localTerminalUrl: async () => (await unwrap('localSandbox.connect', api.localSandbox.connect())).terminalUrl,
    setting: async () => (await unwrap('settings.get', api.settings.get())).runLocation,
    choose: async (runLocation) => {
      await unwrap('settings.setRunLocation', api.settings.setRunLocation({ runLocation }));
    },
  };
}
