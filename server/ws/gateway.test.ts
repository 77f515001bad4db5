import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AuthResponse, WsCloseCode, WsTicketResponse } from '../../shared/protocol/index.js';
import { sha256Hex } from '../modules/auth/secrets.js';
import { request } from '../test-support/http.js';
import { databaseKinds } from '../test-support/databases.js';
import { newAccount, startTestServer, type TestServer } from '../test-support/test-server.js';

const kinds = await databaseKinds();

type Outcome = { opened: true; socket: WebSocket; messages: string[] } | { opened: false; status: number; body: string };

/** Opens a socket and reports either the open socket or the HTTP refusal. */
function connect(url: string, options: { origin?: string; host?: string } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.host ? { headers: { host: options.host } } : {}),
    });
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(data.toString()));
    socket.once('open', () => resolve({ opened: true, socket, messages }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => reject(error));
  });
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe.each(kinds)('WebSocket tickets and the gateway on %s database', (kind) => {
  let t: TestServer;
  let wsBase: string;
  let auth: AuthResponse;
  const password = 'a long passphrase for sockets';

  beforeAll(async () => {
    t = await startTestServer(kind, { CORS_ORIGINS: 'https://ide.example.com', WS_MAX_PAYLOAD_BYTES: '4096' });
    // An echo endpoint registered through the same gateway every real endpoint uses.
    t.server.gateway.register({
      pattern: /^\/test\/echo\/(?<room>[a-z]+)$/,
      onConnection(socket, { principal, params }) {
        socket.send(JSON.stringify({ hello: principal.username, room: params.room }));
        socket.on('message', (data) => socket.send(data));
      },
    });
    wsBase = t.url.replace('http', 'ws');
    const account = { ...newAccount('ws'), password };
    auth = AuthResponse.parse((await t.api.post('/api/auth/register', account)).body);
  });
  afterAll(() => t?.close());

  async function ticket(token = auth.accessToken): Promise<string> {
    const response = await t.api.post('/api/ws-ticket', undefined, { token });
    expect(response.status).toBe(201);
    const parsed = WsTicketResponse.parse(response.body);
    expect(parsed.expiresInSeconds).toBe(30);
    return parsed.ticket;
  }

  it('admits a ticket once, bound to its user', async () => {
    const value = await ticket();
    const first = await connect(`${wsBase}/test/echo/lobby?ticket=${value}`);
    expect(first.opened).toBe(true);
    if (!first.opened) return;
    await expect.poll(() => first.messages.length).toBe(1);
    expect(JSON.parse(first.messages[0]!)).toEqual({ hello: auth.user.username, room: 'lobby' });
    first.socket.send('ping');
    await expect.poll(() => first.messages.at(-1)).toBe('ping');
    first.socket.close();

    const again = await connect(`${wsBase}/test/echo/lobby?ticket=${value}`);
    expect(again).toMatchObject({ opened: false, status: 401 });
    if (!again.opened) expect(JSON.parse(again.body).error.code).toBe('unauthorized');
  });

  it('refuses a missing, unknown or expired ticket with 401', async () => {
    expect(await connect(`${wsBase}/test/echo/lobby`)).toMatchObject({ opened: false, status: 401 });
    expect(await connect(`${wsBase}/test/echo/lobby?ticket=made-up`)).toMatchObject({ opened: false, status: 401 });
    const value = await ticket();
    await t.server.database.prisma.wsTicket.update({
      where: { tokenHash: sha256Hex(value) },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect(await connect(`${wsBase}/test/echo/lobby?ticket=${value}`)).toMatchObject({ opened: false, status: 401 });
  });

  it('refuses origins outside the allowlist with 403, and admits listed and same origins', async () => {
    expect(await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket()}`, { origin: 'https://evil.example.net' })).toMatchObject({
      opened: false,
      status: 403,
    });
    // The desktop app's pages come from app://tandem.
    for (const origin of ['https://ide.example.com', t.url, 'app://tandem']) {
      const outcome = await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket()}`, { origin });
      expect(outcome.opened, origin).toBe(true);
      if (outcome.opened) outcome.socket.close();
    }
  });

  it('refuses a DNS-rebinding page whose Origin matches the Host header but is not listed', async () => {
    const port = new URL(t.url).port;
    const outcome = await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket()}`, {
      origin: `http://rebind.example:${port}`,
      host: `rebind.example:${port}`,
    });
    expect(outcome).toMatchObject({ opened: false, status: 403 });
  });

  it('answers a malformed handshake with 400 without spending the ticket', async () => {
    const value = await ticket();
    const response = await request(t.url, 'GET', `/test/echo/lobby?ticket=${value}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'not-a-key' },
    }).catch((error: Error) => error);
    expect(response).not.toBeInstanceOf(Error);
    const outcome = await connect(`${wsBase}/test/echo/lobby?ticket=${value}`);
    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.close();
  });

  it('answers an unknown endpoint with 404 and does not spend the ticket', async () => {
    const value = await ticket();
    expect(await connect(`${wsBase}/test/nothing-here?ticket=${value}`)).toMatchObject({ opened: false, status: 404 });
    const outcome = await connect(`${wsBase}/test/echo/lobby?ticket=${value}`);
    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.close();
  });

  it('closes a socket whose message exceeds maxPayload (1009)', async () => {
    const outcome = await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket()}`);
    if (!outcome.opened) throw new Error('expected the socket to open');
    const closing = closed(outcome.socket);
    outcome.socket.send(Buffer.alloc(8192));
    expect((await closing).code).toBe(1009);
  });

  it('closes the sockets of a session when it signs out, and no other', async () => {
    const other = AuthResponse.parse((await t.api.post('/api/auth/login', { login: auth.user.username, password })).body);
    const mine = await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket(other.accessToken)}`);
    const theirs = await connect(`${wsBase}/test/echo/lobby?ticket=${await ticket()}`);
    if (!mine.opened || !theirs.opened) throw new Error('expected both sockets to open');
    const mineClosed = closed(mine.socket);
    expect((await t.api.post('/api/auth/logout', { refreshToken: other.refreshToken }, { token: other.accessToken })).status).toBe(204);
    expect(await mineClosed).toEqual({ code: WsCloseCode.sessionEnded, reason: 'session ended' });
    expect(theirs.socket.readyState).toBe(WebSocket.OPEN);
    theirs.socket.close();
  });

  it('never writes passwords, tokens or tickets to the log', async () => {
    const value = await ticket();
    const outcome = await connect(`${wsBase}/test/nothing-here?ticket=${value}`);
    expect(outcome.opened).toBe(false);
    const log = t.logs.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('/api/auth/register');
    for (const secret of [password, auth.accessToken, auth.refreshToken, value]) expect(log).not.toContain(secret);
  });
});

describe('WebSockets at shutdown', () => {
  it('closes open sockets with 1001 (going away) and refuses new upgrades', async () => {
    const t = await startTestServer('embedded');
    t.server.gateway.register({ pattern: /^\/test\/echo$/, onConnection: () => undefined });
    const auth = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('bye'))).body);
    const value = WsTicketResponse.parse((await t.api.post('/api/ws-ticket', undefined, { token: auth.accessToken })).body).ticket;
    const outcome = await connect(`${t.url.replace('http', 'ws')}/test/echo?ticket=${value}`);
    if (!outcome.opened) throw new Error('expected the socket to open');
    const closing = closed(outcome.socket);
    await t.close();
    expect(await closing).toEqual({ code: WsCloseCode.goingAway, reason: 'server shutting down' });
    expect(t.server.gateway.openSockets).toBe(0);
  });
});

describe('a client that never answers the closing handshake', () => {
  it('cannot hold shutdown past SHUTDOWN_TIMEOUT_MS', async () => {
    const t = await startTestServer('embedded', { SHUTDOWN_TIMEOUT_MS: '500' });
    t.server.gateway.register({ pattern: /^\/test\/silent$/, onConnection: () => undefined });
    const auth = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('mute'))).body);
    const value = WsTicketResponse.parse((await t.api.post('/api/ws-ticket', undefined, { token: auth.accessToken })).body).ticket;
    // A raw upgrade: after the handshake this client reads nothing and answers nothing.
    const raw = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const req = http.request(`${t.url}/test/silent?ticket=${value}`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('upgrade', (_res, socket) => resolve(socket));
      req.on('error', reject);
      req.end();
    });
    raw.resume(); // reads the close frame, never answers it
    const destroyed = new Promise((resolve) => raw.once('close', resolve));
    const started = Date.now();
    await t.close();
    await destroyed;
    expect(Date.now() - started).toBeLessThan(10_000); // ws's own closing timeout is 30 s
  });
});
