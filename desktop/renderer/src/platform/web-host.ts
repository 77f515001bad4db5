import { SelfUser } from '../../../../shared/protocol/auth.js';
import type { Host, SessionStore, StoredSession } from './host.js';

/** The browser build: the server that served the page is the server; the session lives in localStorage. */
export function createWebHost(): Host {
  const serverUrl = window.location.origin;
  return { kind: 'web', serverUrl, sessions: localStorageSessions(`tandem.session:${serverUrl}`), exclusive };
}

function localStorageSessions(key: string): SessionStore {
  return {
    async load() {
      const raw = window.localStorage.getItem(key);
      if (!raw) return null;
      try {
        const parsed = JSON.parse(raw) as Partial<StoredSession>;
        if (typeof parsed.refreshToken !== 'string') return null;
        return { refreshToken: parsed.refreshToken, user: SelfUser.parse(parsed.user) };
      } catch {
        // Written by an older build, or tampered with: sign in again rather than fail to start.
        window.localStorage.removeItem(key);
        return null;
      }
    },
    async save(session) {
      window.localStorage.setItem(key, JSON.stringify(session));
    },
    async clear() {
      window.localStorage.removeItem(key);
    },
  };
}

/** Web Locks where the browser has them (every current one); a plain call otherwise. */
async function exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!('locks' in navigator)) return work();
  return navigator.locks.request(`tandem:${name}`, work) as Promise<T>;
}
