import { AuthResponse, type LoginRequest, type RegisterRequest, type SelfUser } from '../../../../shared/protocol/auth.js';
import { routes } from '../../../../shared/protocol/routes.js';
import type { Host } from '../platform/host.js';
import { ApiError, createApiClient, send, type AccessTokens, type ApiClient } from './api-client.js';

/** Refresh this long before the access token runs out, so a request never carries a stale one. */
const REFRESH_MARGIN_MS = 30_000;

type Listener = (user: SelfUser | null) => void;

/**
 * Who is signed in, and their tokens. The refresh token is kept by the host (it survives reloads); the
 * access token only in memory. Refreshes are serialised across tabs, because a refresh token is single
 * use: two tabs racing with the same one would look like theft to the server, which ends the session.
 */
export class Session implements AccessTokens {
  readonly api: ApiClient;
  private user: SelfUser | null = null;
  private refreshToken: string | null = null;
  private accessToken: string | null = null;
  private accessExpiresAt = 0;
  private refreshing: Promise<string> | null = null;
  /** Bumped by every sign-in and sign-out: a refresh that started before one must not undo it. */
  private generation = 0;
  private readonly listeners = new Set<Listener>();

  private constructor(private readonly host: Host) {
    this.api = createApiClient(host.serverUrl, this);
  }

  /** The session this device had, if any: usable offline, refreshed on first use online. */
  static async restore(host: Host): Promise<Session> {
    const session = new Session(host);
    const stored = await host.sessions.load();
    if (stored) {
      session.user = stored.user;
      session.refreshToken = stored.refreshToken;
    }
    return session;
  }

  get serverUrl(): string {
    return this.host.serverUrl;
  }

  get currentUser(): SelfUser | null {
    return this.user;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async login(request: LoginRequest): Promise<SelfUser> {
    this.generation += 1;
    return this.accept(await send(this.host.serverUrl, 'POST', routes.login.path, { body: request, response: AuthResponse }));
  }

  async register(request: RegisterRequest): Promise<SelfUser> {
    this.generation += 1;
    return this.accept(await send(this.host.serverUrl, 'POST', routes.register.path, { body: request, response: AuthResponse }));
  }

  async logout(): Promise<void> {
    const refreshToken = this.refreshToken;
    await this.end();
    // Best effort: offline, the server's session simply expires.
    if (refreshToken) await send(this.host.serverUrl, 'POST', routes.logout.path, { body: { refreshToken } }).catch(() => undefined);
  }

  async current(): Promise<string> {
    if (this.accessToken && Date.now() < this.accessExpiresAt - REFRESH_MARGIN_MS) return this.accessToken;
    return this.refresh();
  }

  async rejected(token: string): Promise<string> {
    if (token !== this.accessToken) return this.current();
    this.accessToken = null;
    return this.refresh();
  }

  private refresh(): Promise<string> {
    const generation = this.generation;
    this.refreshing ??= this.host
      .exclusive('refresh', async () => {
        // Another tab may have rotated the token while we waited for the lock.
        const stored = await this.host.sessions.load();
        const refreshToken = stored?.refreshToken ?? this.refreshToken;
        if (!refreshToken || generation !== this.generation) throw signedOut();
        let auth: AuthResponse;
        try {
          auth = await send(this.host.serverUrl, 'POST', routes.refresh.path, { body: { refreshToken }, response: AuthResponse });
        } catch (error) {
          if (error instanceof ApiError && (error.status === 401 || error.status === 400) && generation === this.generation) {
            await this.end();
            throw new ApiError('Your session has ended. Sign in again.', 401, 'unauthorized');
          }
          throw error;
        }
        // Signed out (or in as someone else) meanwhile: this answer belongs to a session that is over.
        if (generation !== this.generation) throw signedOut();
        await this.accept(auth);
        return auth.accessToken;
      })
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async accept(auth: AuthResponse): Promise<SelfUser> {
    this.accessToken = auth.accessToken;
    this.accessExpiresAt = Date.now() + auth.accessTokenExpiresInSeconds * 1000;
    this.refreshToken = auth.refreshToken;
    await this.host.sessions.save({ refreshToken: auth.refreshToken, user: auth.user });
    this.setUser(auth.user);
    return auth.user;
  }

  private async end(): Promise<void> {
    this.generation += 1;
    this.accessToken = null;
    this.refreshToken = null;
    await this.host.sessions.clear();
    this.setUser(null);
  }

  private setUser(user: SelfUser | null): void {
    const changed = user?.id !== this.user?.id;
    this.user = user;
    if (changed) for (const listener of this.listeners) listener(user);
  }
}

function signedOut(): ApiError {
  return new ApiError('You are signed out. Sign in to continue.', 401, 'unauthorized');
}
