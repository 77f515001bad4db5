import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthResponse } from '../../../../../shared/protocol/auth.js';
import type { Host, StoredSession } from '../../platform/host.js';
import { Session } from '../../services/session.js';
import { signOutOnOldServer, switchesServer } from './server-switch.js';

/**
 * Signing out on the server being left, against a real HTTP server standing in for that Tandem server: it
 * keeps the auth routes' contract (a refresh token rotates; logout needs a valid access token, as the real
 * server's does). The module name is a plain string so the renderer's type-check does not pull in Node's types.
 */
const HTTP_MODULE: string = 'node:http';

interface Request {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  on(event: 'data', listener: (chunk: { toString(): string }) => void): void;
  on(event: 'end', listener: () => void): void;
}
interface Response {
  writeHead(status: number, headers?: Record<string, string>): void;
  end(body?: string): void;
}
interface Server {
  listen(port: number, host: string, callback: () => void): void;
  address(): { port: number };
  close(callback: () => void): void;
  closeAllConnections(): void;
}
interface HttpModule {
  createServer(handler: (request: Request, response: Response) => void): Server;
}

let http: HttpModule;
const servers: Server[] = [];
beforeAll(async () => {
  http = (await import(/* @vite-ignore */ HTTP_MODULE)) as HttpModule;
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const user = {
  id: '33333333-3333-4333-8333-333333333333',
  username: 'alice',
  role: 'user',
  createdAt: new Date(0).toISOString(),
  email: 'a@x.io',
};

/** The old server: `answers` false makes it take requests and never answer (a server that hangs). */
async function startOldServer({ answers = true } = {}) {
  let issued = 0;
  const liveRefresh = new Set<string>();
  const liveAccess = new Set<string>();
  const calls: Array<{ path: string; bearer: string | undefined; body: Record<string, unknown> }> = [];
  const revoked: string[] = [];
  const issue = (): AuthResponse => {
    issued += 1;
    const pair = { accessToken: `access-${issued}`, refreshToken: `refresh-${issued}` };
    liveAccess.add(pair.accessToken);
    liveRefresh.add(pair.refreshToken);
    return { ...pair, accessTokenExpiresInSeconds: 900, user: user as AuthResponse['user'] };
  };
  const server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk.toString()));
    request.on('end', () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      const authorization = request.headers.authorization;
      const bearer = typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : undefined;
      calls.push({ path: request.url ?? '', bearer, body });
      if (!answers) return;
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      const unauthorized = () => json(401, { error: { code: 'unauthorized', message: 'Sign in again.' } });
      const refreshToken = String(body.refreshToken);
      switch (request.url) {
        case '/api/auth/login':
          return json(200, issue());
        case '/api/auth/refresh':
          if (!liveRefresh.delete(refreshToken)) return unauthorized();
          return json(200, issue());
        case '/api/auth/logout':
          if (!bearer || !liveAccess.has(bearer)) return unauthorized();
          if (liveRefresh.delete(refreshToken)) revoked.push(refreshToken);
          response.writeHead(204);
          return response.end();
        default:
          return json(404, { error: { code: 'not_found', message: 'No such route.' } });
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, calls, revoked, liveRefresh };
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

describe('signing out on the server being left', () => {
  it('revokes the refresh token there, with the access token in hand', async () => {
    const old = await startOldServer();
    const host = memoryHost(old.url);
    const session = await Session.restore(host);
    await session.login({ login: 'alice', password: 'correct horse battery' });

    await signOutOnOldServer(session);

    expect(old.calls.map((call) => call.path)).toEqual(['/api/auth/login', '/api/auth/logout']);
    expect(old.calls[1]).toMatchObject({ bearer: 'access-1', body: { refreshToken: 'refresh-1' } });
    expect(old.revoked).toEqual(['refresh-1']);
    expect(old.liveRefresh.size).toBe(0);
    expect(session.currentUser).toBeNull();
    expect(host.stored()).toBeNull();
  });

  it('buys an access token first when it has none (a restored session), and revokes the token it got', async () => {
    const old = await startOldServer();
    const first = await Session.restore(memoryHost(old.url));
    await first.login({ login: 'alice', password: 'correct horse battery' });
    // After a restart: only the refresh token survives, and the main process has already forgotten it on disk.
    const host = memoryHost(old.url, { refreshToken: 'refresh-1', user: user as StoredSession['user'] });
    const session = await Session.restore(host);
    await host.sessions.clear();

    await signOutOnOldServer(session);

    expect(old.calls.map((call) => call.path)).toEqual(['/api/auth/login', '/api/auth/refresh', '/api/auth/logout']);
    expect(old.calls[2]).toMatchObject({ bearer: 'access-2', body: { refreshToken: 'refresh-2' } });
    expect(old.revoked).toEqual(['refresh-2']);
    expect(old.liveRefresh.size).toBe(0);
    expect(session.currentUser).toBeNull();
  });

  it('does not hold up the change when the old server is gone or hangs', async () => {
    const gone = await startOldServer();
    const goneHost = memoryHost(gone.url);
    const goneSession = await Session.restore(goneHost);
    await goneSession.login({ login: 'alice', password: 'correct horse battery' });
    const server = servers.pop()!;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const hangs = await startOldServer({ answers: false });
    const hangingSession = await Session.restore(memoryHost(hangs.url, { refreshToken: 'refresh-9', user: user as StoredSession['user'] }));

    const started = Date.now();
    await Promise.all([signOutOnOldServer(goneSession, 300), signOutOnOldServer(hangingSession, 300)]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hangs.calls.map((call) => call.path)).toEqual(['/api/auth/refresh']);
    // Signed out on this device either way.
    expect(goneSession.currentUser).toBeNull();
    expect(hangingSession.currentUser).toBeNull();
    expect(goneHost.stored()).toBeNull();
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
