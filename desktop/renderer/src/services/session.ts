import { AuthResponse, type LoginRequest, type RegisterRequest, type SelfUser } from '../../../../shared/protocol/auth.js';
import { routes } from '../../../../shared/protocol/routes.js';
import type { Host } from '../platform/host.js';
import { ApiError, createApiClient, send, type AccessTokens, type ApiClient } from './api-client.js';

/** Refresh this long before the access token runs out, so a request never carries a stale one. */
const REFRESH_MARGIN_MS = 30_000;

/** How long signing out waits for the server to end the session there, before it settles regardless. */
export const SERVER_SIGN_OUT_WAIT_MS = 5000;

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

  /**
   * Signs out on this device at once, and on the server (best effort: offline, the server's session simply
   * expires). Settles when the server has answered, could not be reached, or took longer than `waitMs`.
   */
  async logout(waitMs = SERVER_SIGN_OUT_WAIT_MS): Promise<void> {
    // Another tab may have rotated the token since this one last refreshed.
    const stored = await this.host.sessions.load().catch(() => null);
    const refreshToken = stored?.refreshToken ?? this.refreshToken;
    const fresh = this.accessToken !== null && Date.now() < this.accessExpiresAt - REFRESH_MARGIN_MS ? this.accessToken : null;
    const revoked = refreshToken ? this.revoke(refreshToken, fresh, AbortSignal.timeout(waitMs)).catch(() => undefined) : undefined;
    await this.end();
    await revoked;
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

  /**
   * Ends the session on the server, all of it before `deadline` (waiting for the refresh lock included). The
   * server revokes a refresh token only for a caller with a valid access token: without one in hand, the refresh
   * token buys one first (kept nowhere: this session is over), under the same lock as every refresh, so it never
   * races another window's refresh with the same single-use token.
   */
  private async revoke(refreshToken: string, accessToken: string | null, deadline: AbortSignal): Promise<void> {
    let token = accessToken;
    let toRevoke = refreshToken;
    if (token === null) {
      // This window's own refresh first (the lock is a plain call where there is one window).
      const ownRefresh = this.refreshing?.catch(() => undefined);
      if (ownRefresh) await untilAborted(ownRefresh, deadline);
      const auth = await untilAborted(
        this.host.exclusive('refresh', async () => {
          // Gave up while waiting for the lock: a request sent now would spend the token for nothing.
          deadline.throwIfAborted();
          return send(this.host.serverUrl, 'POST', routes.refresh.path, {
            body: { refreshToken },
            response: AuthResponse,
            signal: deadline,
          });
        }),
        deadline,
      );
      token = auth.accessToken;
      toRevoke = auth.refreshToken;
    }
    await send(this.host.serverUrl, 'POST', routes.logout.path, { body: { refreshToken: toRevoke }, token, signal: deadline });
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

/** `work`, or a rejection once `signal` aborts, whichever comes first (work that cannot be stopped goes on alone). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
