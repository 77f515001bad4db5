import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse } from '../../../../../shared/protocol/auth.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import type { Host, StoredSession } from '../../platform/host.js';
import { Session } from '../../services/session.js';
import { startRealServer, type RealServer } from '../../test-support/real-server.js';
import { startRecordingProxy, type RecordedCall, type RecordingProxy } from '../../test-support/recording-proxy.js';
import { signOutOnOldServer, switchesServer } from './server-switch.js';

/**
 * Signing out on the server being left, against the real Tandem server (its own process, embedded database). A
 * recording proxy between the session and the server shows what the session sent; the server itself says whether
 * a refresh token was revoked: refreshing with it afterwards is refused.
 */

let server: RealServer;
const proxies: RecordingProxy[] = [];
beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

/** A way to the real server that records what passes. */
async function proxyToServer(): Promise<RecordingProxy> {
  const proxy = await startRecordingProxy(server.url);
  proxies.push(proxy);
  return proxy;
}

let registered = 0;
/** A new account (the password passes the server's policy). */
function newAccount() {
  registered += 1;
  const username = `switcher-${registered}`;
  return { username, email: `${username}@example.com`, password: 'correct horse battery staple 42' };
}

/** A host whose session store is memory: what the keychain would hold. */
function memoryHost(serverUrl: string, stored: StoredSession | null = null): Host & { stored(): StoredSession | null } {
  let session = stored;
  return {
    kind: 'desktop',
    serverUrl,
    sessions: {
      load: async () => session,
      save: async (next) => void (session = next),
      clear: async () => void (session = null),
    },
    exclusive: (_name, work) => work(),
    stored: () => session,
  };
}

/** Signed up on `serverUrl` with a new account: the session, and what its host keeps (the refresh token). */
async function signedUp(serverUrl: string) {
  const host = memoryHost(serverUrl);
  const session = await Session.restore(host);
  await session.register(newAccount());
  return { session, host, kept: host.stored()! };
}

/** The tokens the server handed out in `call`'s answer. */
function issued(call: RecordedCall | undefined): AuthResponse {
  return AuthResponse.parse(call?.response?.body);
}

/** What the real server answers to refreshing with `refreshToken` (401 once it is revoked or spent). */
async function refreshStatus(refreshToken: string): Promise<number> {
  const response = await fetch(new URL(routes.refresh.path, server.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  await response.text();
  return response.status;
}

describe('signing out on the server being left', () => {
  it('revokes the refresh token there, with the access token in hand', async () => {
    const old = await proxyToServer();
    const { session, host, kept } = await signedUp(old.url);

    await signOutOnOldServer(session);

    expect(old.paths()).toEqual(['/api/auth/register', '/api/auth/logout']);
    expect(old.calls[1]).toMatchObject({
      bearer: issued(old.calls[0]).accessToken,
      body: { refreshToken: kept.refreshToken },
      response: { status: 204 },
    });
    expect(await refreshStatus(kept.refreshToken)).toBe(401);
    expect(session.currentUser).toBeNull();
    expect(host.stored()).toBeNull();
  });

  it('buys an access token first when it has none (a restored session), and revokes the token it got', async () => {
    const old = await proxyToServer();
    const { kept } = await signedUp(old.url);
    // After a restart: only the refresh token survives, and the main process has already forgotten it on disk.
    const host = memoryHost(old.url, kept);
    const session = await Session.restore(host);
    await host.sessions.clear();

    await signOutOnOldServer(session);

    expect(old.paths()).toEqual(['/api/auth/register', '/api/auth/refresh', '/api/auth/logout']);
    expect(old.calls[1]).toMatchObject({ body: { refreshToken: kept.refreshToken } });
    const rotated = issued(old.calls[1]);
    expect(rotated.refreshToken).not.toBe(kept.refreshToken);
    expect(old.calls[2]).toMatchObject({
      bearer: rotated.accessToken,
      body: { refreshToken: rotated.refreshToken },
      response: { status: 204 },
    });
    expect(await refreshStatus(rotated.refreshToken)).toBe(401);
    expect(session.currentUser).toBeNull();
  });

  it('does not hold up the change when the old server is gone or hangs', async () => {
    const gone = await proxyToServer();
    const { session: goneSession, host: goneHost } = await signedUp(gone.url);
    await gone.close();

    const hangs = await proxyToServer();
    const { kept } = await signedUp(hangs.url);
    hangs.hang(routes.refresh.path);
    const hangingSession = await Session.restore(memoryHost(hangs.url, kept));

    const started = Date.now();
    await Promise.all([signOutOnOldServer(goneSession, 300), signOutOnOldServer(hangingSession, 300)]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(gone.paths()).toEqual(['/api/auth/register']);
    expect(hangs.paths()).toEqual(['/api/auth/register', '/api/auth/refresh']);
    // Signed out on this device either way.
    expect(goneSession.currentUser).toBeNull();
    expect(hangingSession.currentUser).toBeNull();
    expect(goneHost.stored()).toBeNull();
  });
});

/** A host whose 'refresh' lock is a real one, as another window's refresh would hold it. */
function lockingHost(serverUrl: string, stored: StoredSession): Host & { holdLock(): () => void; lockWaits: string[] } {
  let tail: Promise<unknown> = Promise.resolve();
  const lockWaits: string[] = [];
  const host = memoryHost(serverUrl, stored);
  const exclusive = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    lockWaits.push(name);
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    ...host,
    exclusive,
    lockWaits,
    holdLock() {
      let release = () => {};
      void exclusive('refresh', () => new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('signing out, on any server', () => {
  it('buys the revoking token under the refresh lock, never beside another window’s refresh', async () => {
    const old = await proxyToServer();
    const { kept } = await signedUp(old.url);
    const host = lockingHost(old.url, kept);
    const session = await Session.restore(host);
    const release = host.holdLock();

    let settled = false;
    const loggingOut = session.logout().then(() => (settled = true));
    await sleep(200);
    expect(old.paths()).toEqual(['/api/auth/register']);
    expect(settled).toBe(false);
    expect(session.currentUser).toBeNull();

    release();
    await loggingOut;
    expect(host.lockWaits).toEqual(['refresh', 'refresh']);
    expect(old.paths()).toEqual(['/api/auth/register', '/api/auth/refresh', '/api/auth/logout']);
    expect(old.calls[1]).toMatchObject({ body: { refreshToken: kept.refreshToken } });
    const rotated = issued(old.calls[1]);
    expect(old.calls[2]).toMatchObject({
      bearer: rotated.accessToken,
      body: { refreshToken: rotated.refreshToken },
      response: { status: 204 },
    });
    expect(await refreshStatus(rotated.refreshToken)).toBe(401);
  });

  it('settles within its wait when the server never answers the refresh, the sign-out, or the lock never frees', async () => {
    const refreshHangs = await proxyToServer();
    const restored = await Session.restore(memoryHost(refreshHangs.url, (await signedUp(refreshHangs.url)).kept));
    refreshHangs.hang(routes.refresh.path);

    const logoutHangs = await proxyToServer();
    const { session: signedIn } = await signedUp(logoutHangs.url);
    logoutHangs.hang(routes.logout.path);

    const lockHeld = await proxyToServer();
    const { kept: lockedKept } = await signedUp(lockHeld.url);
    const lockedHost = lockingHost(lockHeld.url, lockedKept);
    const release = lockedHost.holdLock();
    const locked = await Session.restore(lockedHost);

    const started = Date.now();
    await Promise.all([restored.logout(300), signedIn.logout(300), locked.logout(300)]);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(refreshHangs.paths()).toEqual(['/api/auth/register', '/api/auth/refresh']);
    expect(logoutHangs.paths()).toEqual(['/api/auth/register', '/api/auth/logout']);
    // Given up while waiting for the lock: the token is not spent once the lock frees either.
    release();
    await sleep(100);
    expect(lockHeld.paths()).toEqual(['/api/auth/register']);
    expect(await refreshStatus(lockedKept.refreshToken)).toBe(200);
    for (const session of [restored, signedIn, locked]) expect(session.currentUser).toBeNull();
  });
});

describe('switchesServer', () => {
  it('reads the address as the main process does', () => {
    const current = 'http://localhost:4000';
    expect(switchesServer(' http://localhost:4000/ ', current)).toBe(false);
    expect(switchesServer('localhost:4000', current)).toBe(false);
    expect(switchesServer('http://127.0.0.1:4999', current)).toBe(true);
    expect(switchesServer('https://tandem.example.com/team', current)).toBe(true);
    expect(switchesServer('https://tandem.example.com/team/', 'https://tandem.example.com/team')).toBe(false);
  });

  it('is no move for an address the main process would refuse', () => {
    expect(switchesServer('ftp://nowhere', 'http://localhost:4000')).toBe(false);
    expect(switchesServer('http://', 'http://localhost:4000')).toBe(false);
  });
});
