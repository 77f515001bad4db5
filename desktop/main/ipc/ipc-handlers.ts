import type {
  DeepLink,
  DesktopSettingsView,
  RunLocationDecision,
  RunLocationSetting,
  StoredSession,
} from '../../../shared/protocol/ipc.js';
import { parseServerUrl } from '../server-url.js';
import type { IpcHandlers } from './ipc-guard.js';

/** What the handlers act on; main.ts passes the real settings store, token vault, deep-link inbox, probes, dialog and shell. */
export interface IpcDependencies {
  settings: {
    load(): { serverUrl: string | null; runLocation: RunLocationSetting };
    update(patch: { serverUrl?: string | null; runLocation?: RunLocationSetting }): unknown;
  };
  sessions: { load(): StoredSession | null; save(session: StoredSession): void; clear(): void };
  /**
   * Asks the user, in a native dialog no page script can answer, whether to leave server `from` for `to`.
   * Resolves true only when they agreed.
   */
  confirmServerChange(from: string, to: string): Promise<boolean>;
  /** The deep links waiting for the page (desktop/main/deep-link-inbox.ts). */
  deepLinks: { take(): DeepLink[] };
  runLocation(): Promise<RunLocationDecision>;
  /** The local run server's address with its secret, started on first use. */
  localSandbox(): Promise<{ url: string; terminalUrl: string }>;
  /** Opens an http(s) address in the user's browser (Electron's shell.openExternal). */
  openExternal(url: string): Promise<void>;
}

/** One handler per channel; each gets a request the guard already parsed, and answers in its channel's shape. */
export function createIpcHandlers(deps: IpcDependencies): IpcHandlers {
  const view = (): DesktopSettingsView => {
    const { serverUrl, runLocation } = deps.settings.load();
    return { serverUrl, runLocation };
  };
  /** A switch question on screen: a page may not stack more of them (each would look like the user's own). */
  let asking = false;
  const confirm = async (from: string, to: string) => {
    asking = true;
    try {
      return await deps.confirmServerChange(from, to);
    } finally {
      asking = false;
    }
  };
  return {
    'settings.get': () => view(),
    'settings.setServerUrl': async ({ url }) => {
      const parsed = parseServerUrl(url);
      if (!parsed.ok) return parsed;
      const current = deps.settings.load().serverUrl;
      if (parsed.url === current) return { ok: true, url: current };
      if (asking) return { ok: false, message: 'Tandem is already asking whether to switch servers: answer that question first.' };
      // The first choice needs no consent: there is nothing to leave.
      if (current !== null && !(await confirm(current, parsed.url))) {
        return { ok: false, cancelled: true, message: `Tandem still uses ${current}.` };
      }
      // The stored refresh token belongs to the server it came from and must never be sent to another one.
      // Cleared before the address changes, so no moment has the new server with the old token. On first
      // start this drops a session left behind by a profile whose settings were lost.
      deps.sessions.clear();
      deps.settings.update({ serverUrl: parsed.url });
      return { ok: true, url: parsed.url };
    },
    'settings.setRunLocation': ({ runLocation }) => {
      deps.settings.update({ runLocation });
      return { ok: true, runLocation };
    },
    'session.load': () => ({ session: deps.sessions.load() }),
    'session.save': ({ session }) => {
      try {
        deps.sessions.save(session);
        return { ok: true };
      } catch (error) {
        // Typically no OS keychain (Linux without a secret service): the vault's message says what to do.
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },
    'session.clear': () => {
      deps.sessions.clear();
      return { ok: true };
    },
    'runLocation.get': () => deps.runLocation(),
    'localSandbox.connect': () => deps.localSandbox(),
    'deepLink.take': () => ({ links: deps.deepLinks.take() }),
    'shell.openExternal': async ({ url }) => {
      await deps.openExternal(url);
      return { ok: true };
    },
  };
}
