import type { SelfUser } from '../../../../shared/protocol/auth.js';

/** What survives a reload: the refresh token (never the access token) and who it belongs to. */
export interface StoredSession {
  refreshToken: string;
  user: SelfUser;
}

/** Where the session is kept: localStorage on the web, the OS keychain (Electron safeStorage) on the desktop. */
export interface SessionStore {
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

/** Everything that differs between the browser and the desktop app; feature code sees only this. */
export interface Host {
  kind: 'web' | 'desktop';
  /** The Tandem server's base URL, without a trailing slash. */
  serverUrl: string;
  sessions: SessionStore;
  /** Serialises work across this app's windows and tabs (token refresh must not race: refresh tokens rotate). */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
}
