import {
  ipcResultSchema,
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

/** Saves the server address typed on first start; resolves with the normalised URL, or rejects with what is wrong. */
export async function chooseServer(api: TandemDesktopApi, url: string): Promise<string> {
  const answer = await unwrap('settings.setServerUrl', api.settings.setServerUrl({ url }));
  if (!answer.ok) throw new Error(answer.message);
  return answer.url;
}

/** Where the desktop app runs code (the main process decides), and the local Docker engine's run stream. */
export interface DesktopRuns {
  location(): Promise<RunLocationDecision>;
  /** ws://127.0.0.1:PORT/runs/stream?token=…, the main process's run stream on this computer's Docker engine. */
  localStreamUrl(): Promise<string>;
  /** The setting behind the decision: Cloud, Local, or Auto (cloud when the server answers, local otherwise). */
  setting(): Promise<RunLocationSetting>;
  choose(setting: RunLocationSetting): Promise<void>;
}

export function createDesktopRuns(api: TandemDesktopApi): DesktopRuns {
  return {
    location: () => unwrap('runLocation.get', api.runLocation.get()),
    localStreamUrl: async () => (await unwrap('localSandbox.connect', api.localSandbox.connect())).url,
    setting: async () => (await unwrap('settings.get', api.settings.get())).runLocation,
    choose: async (runLocation) => {
      await unwrap('settings.setRunLocation', api.settings.setRunLocation({ runLocation }));
    },
  };
}
