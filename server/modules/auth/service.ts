import type { AuthResponse, Role, SelfUser } from '../../../shared/protocol/auth.js';
import { AppError } from '../../http/errors.js';
import type { UserRecord, UserRepository } from '../users/repository.js';
import { ACCESS_TOKEN_TTL_SECONDS, type AccessTokens } from './access-tokens.js';
import type { LoginGuard } from './login-guard.js';
import { isCommonPassword, type PasswordHasher } from './passwords.js';
import type { AuthRepository } from './repository.js';
import { randomToken, sha256Hex } from './secrets.js';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface ClientContext {
  ip: string;
  userAgent: string | undefined;
}

/** Who is calling, as established by a valid access token on a live session. */
export interface Principal {
  userId: string;
  username: string;
  sessionId: string;
  role: Role;
}

const INVALID_LOGIN = 'Wrong username, email or password.';

export class AuthService {
  private readonly sessionEndedListeners: Array<(sessionId: string) => void> = [];

  constructor(
    private readonly deps: {
      users: UserRepository;
      auth: AuthRepository;
      guard: LoginGuard;
      hasher: PasswordHasher;
      tokens: AccessTokens;
      adminUsernames: readonly string[];
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Called whenever a session ends (sign-out, or a stolen refresh token detected), e.g. to close its sockets. */
  onSessionEnded(listener: (sessionId: string) => void): void {
    this.sessionEndedListeners.push(listener);
  }

  roleOf(username: string): Role {
    return this.deps.adminUsernames.includes(username) ? 'admin' : 'user';
  }

  toSelfUser(user: UserRecord): SelfUser {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      role: this.roleOf(user.username),
      createdAt: user.createdAt.toISOString(),
    };
  }

  async register(input: { username: string; email: string; password: string }, client: ClientContext): Promise<AuthResponse> {
    if (isCommonPassword(input.password)) {
      throw new AppError(
        'validation_failed',
        'The request is invalid. password: This password is one of the most common ones; choose another.',
        {
          details: [{ path: 'password', message: 'This password is one of the most common ones; choose another.' }],
        },
      );
    }
    const [byName, byEmail] = await Promise.all([this.deps.users.findByUsername(input.username), this.deps.users.findByEmail(input.email)]);
    if (byName || byEmail) throw takenError(Boolean(byName), Boolean(byEmail));
    const passwordHash = await this.deps.hasher.hash(input.password);
    const user = await this.deps.users.create({ username: input.username, email: input.email, passwordHash });
    if (!user) throw takenError(true, true);
    return this.startSession(user, client);
  }

  async login(input: { login: string; password: string }, client: ClientContext): Promise<AuthResponse> {
    const login = input.login; // trimmed and lowercased by LoginRequest
    const user = login.includes('@') ? await this.deps.users.findByEmail(login) : await this.deps.users.findByUsername(login);
    const subject = user ? `user:${user.id}` : `login:${login}`;
    const now = this.now();
    // Judged before the password is checked, so a locked address learns nothing even with the right one.
    const attempt = await this.deps.guard.begin({ subject, ip: client.ip, userId: user?.id, now });
    const valid = user
      ? await this.deps.hasher.verify(user.passwordHash, input.password)
      : await this.deps.hasher.verifyAgainstNothing(input.password);
    if (!user || !valid) throw new AppError('unauthorized', INVALID_LOGIN);
    await this.deps.guard.succeeded(attempt, user.id, now);
    if (this.deps.hasher.needsRehash(user.passwordHash)) {
      await this.deps.users.updatePasswordHash(user.id, await this.deps.hasher.hash(input.password));
    }
    return this.startSession(user, client);
  }

  async refresh(refreshToken: string): Promise<AuthResponse> {
    const next = randomToken();
    const now = this.now();
    const outcome = await this.deps.auth.rotateRefreshToken({
      oldHash: sha256Hex(refreshToken),
      newHash: sha256Hex(next),
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
      now,
    });
    switch (outcome.kind) {
      case 'rotated':
        return this.issue(outcome.user, outcome.sessionId, next);
      case 'reused':
        this.sessionEnded(outcome.sessionId);
        throw new AppError('unauthorized', 'This refresh token was already used, so the session was ended for safety. Sign in again.');
      case 'expired':
        throw new AppError('unauthorized', 'The session has expired. Sign in again.');
      case 'revoked':
      case 'unknown':
        throw new AppError('unauthorized', 'The session has ended. Sign in again.');
    }
  }

  async logout(refreshToken: string, principal: Principal): Promise<void> {
    const sessionId = await this.deps.auth.revokeSessionByToken(sha256Hex(refreshToken), principal.userId, this.now());
    if (sessionId) this.sessionEnded(sessionId);
  }

  /** Resolves a bearer token to a principal, or null when the token or its session is not valid. */
  async authenticate(accessToken: string): Promise<Principal | null> {
    const claims = this.deps.tokens.verify(accessToken);
    return claims ? this.principalOfSession(claims.sessionId, claims.userId) : null;
  }

  /** The principal of a session that is still live and belongs to `userId`, else null. */
  async principalOfSession(sessionId: string, userId: string): Promise<Principal | null> {
    const session = await this.deps.auth.findActiveSession(sessionId);
    if (!session || session.user.id !== userId) return null;
    return { userId: session.user.id, username: session.user.username, sessionId: session.id, role: this.roleOf(session.user.username) };
  }

  private async startSession(user: UserRecord, client: ClientContext): Promise<AuthResponse> {
    const refreshToken = randomToken();
    const sessionId = await this.deps.auth.createSession({
      userId: user.id,
      userAgent: client.userAgent,
      tokenHash: sha256Hex(refreshToken),
      expiresAt: new Date(this.now().getTime() + REFRESH_TOKEN_TTL_MS),
    });
    return this.issue(user, sessionId, refreshToken);
  }

  private issue(user: UserRecord, sessionId: string, refreshToken: string): AuthResponse {
    return {
      user: this.toSelfUser(user),
      accessToken: this.deps.tokens.sign({ userId: user.id, sessionId }),
      refreshToken,
      accessTokenExpiresInSeconds: ACCESS_TOKEN_TTL_SECONDS,
    };
  }

  private sessionEnded(sessionId: string): void {
    for (const listener of this.sessionEndedListeners) listener(sessionId);
  }
}

function takenError(username: boolean, email: boolean): AppError {
  const details = [
    ...(username ? [{ path: 'username', message: 'This username is taken.' }] : []),
    ...(email ? [{ path: 'email', message: 'An account with this email already exists; sign in instead.' }] : []),
  ];
  return new AppError('conflict', details.map((detail) => detail.message).join(' '), { details });
}
