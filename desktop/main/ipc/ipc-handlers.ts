import type { DesktopSettingsView, RunLocationDecision, RunLocationSetting, StoredSession } from '../../../shared/protocol/ipc.js';
import { parseServerUrl } from '../server-url.js';
import type { IpcHandlers } from './ipc-guard.js';

/** What the handlers act on; main.ts passes the real settings store, token vault, probes and shell. */
export interface IpcDependencies {
  settings: {
    load(): { serverUrl: string | null; runLocation: RunLocationSetting };
    update(patch: { serverUrl?: string | null; runLocation?: RunLocationSetting }): unknown;
  };
  sessions: { load(): StoredSession | null; save(session: StoredSession): void; clear(): void };
  runLocation(): Promise<RunLocationDecision>;
  /** The local run server's address with its secret, started on first use. */
  localSandbox(): Promise<{ url: string }>;
  /** Opens an http(s) address in the user's browser (Electron's shell.openExternal). */
  openExternal(url: string): Promise<void>;
}

/** One handler per channel; each gets a request the guard already parsed, and answers in its channel's shape. */
export function createIpcHandlers(deps: IpcDependencies): IpcHandlers {
  const view = (): DesktopSettingsView => {
    const { serverUrl, runLocation } = deps.settings.load();
    return { serverUrl, runLocation };
  };
  return {
    'settings.get': () => view(),
    'settings.setServerUrl': ({ url }) => {
      const parsed = parseServerUrl(url);
      if (!parsed.ok) return parsed;
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
    'shell.openExternal': async ({ url }) => {
      await deps.openExternal(url);
      return { ok: true };
    },
  };
}
