import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse, ErrorBody } from '../../../shared/protocol/index.js';
import { databaseKinds } from '../../test-support/databases.js';
import { request } from '../../test-support/http.js';
import { newAccount, startTestServer, type TestServer } from '../../test-support/test-server.js';
import { LOCKOUT } from './login-guard.js';

const kinds = await databaseKinds();

// Loopback answers on all of 127.0.0.0/8, so each address below is a different client to the server.
const ATTACKER = '127.0.0.11';
const OWNER_HOME = '127.0.0.12';
const OWNER_NEW_PLACE = '127.0.0.13';

describe.each(kinds)('login abuse protection on %s database', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t?.close());

  const login = (body: { login: string; password: string }, from: string) =>
    request(t.url, 'POST', '/api/auth/login', { body, localAddress: from });

  async function registerFrom(address: string) {
    const account = newAccount('lock');
    expect((await request(t.url, 'POST', '/api/auth/register', { body: account, localAddress: address })).status).toBe(201);
    return account;
  }

  it('locks one address out of one account after 10 failures, even for the right password, and not the owner elsewhere', async () => {
    const account = await registerFrom(OWNER_HOME);
    for (let i = 0; i < LOCKOUT.perAddress.failures; i += 1) {
      expect((await login({ login: account.username, password: `wrong guess number ${i}` }, ATTACKER)).status).toBe(401);
    }
    const locked = await login({ login: account.username, password: account.password }, ATTACKER);
    expect(locked.status).toBe(429);
    expect(ErrorBody.parse(locked.body).error.code).toBe('locked_out');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // The email is the same account: switching identifier does not reset the count.
    expect((await login({ login: account.email, password: account.password }, ATTACKER)).status).toBe(429);

    expect((await login({ login: account.username, password: account.password }, OWNER_HOME)).status).toBe(200);
    expect((await login({ login: account.username, password: account.password }, OWNER_NEW_PLACE)).status).toBe(200);
  });

  it('gives a burst of parallel guesses no more tries than a sequence', async () => {
    const account = await registerFrom(OWNER_HOME);
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => login({ login: account.username, password: `parallel guess ${i}` }, '127.0.0.14')),
    );
    const statuses = burst.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOCKOUT.perAddress.failures);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25 - LOCKOUT.perAddress.failures);
  });

  it('lets the lockout lapse after 15 minutes', async () => {
    const account = await registerFrom(OWNER_HOME);
    for (let i = 0; i < LOCKOUT.perAddress.failures; i += 1)
      await login({ login: account.username, password: `wrong ${i} wrong` }, ATTACKER);
    expect((await login({ login: account.username, password: account.password }, ATTACKER)).status).toBe(429);
    await t.server.database.prisma.loginFailure.updateMany({
      where: { ip: ATTACKER },
      data: { createdAt: new Date(Date.now() - LOCKOUT.perAddress.lockMs - 1000) },
    });
    expect((await login({ login: account.username, password: account.password }, ATTACKER)).status).toBe(200);
  });

  it('locks out unknown logins the same way, so lockouts reveal no usernames', async () => {
    for (let i = 0; i < LOCKOUT.perAddress.failures; i += 1) {
      expect((await login({ login: 'ghost-account', password: `guess ${i} guess` }, ATTACKER)).status).toBe(401);
    }
    const response = await login({ login: 'ghost-account', password: 'another guess' }, ATTACKER);
    expect(response.status).toBe(429);
    expect(ErrorBody.parse(response.body).error.code).toBe('locked_out');
  });

  it('caps an account at 100 failures an hour from new addresses, while addresses the owner used still work', async () => {
    const account = await registerFrom(OWNER_HOME);
    const user = AuthResponse.parse((await login({ login: account.username, password: account.password }, OWNER_HOME)).body).user;
    // A distributed attack: 100 failures from 100 addresses (recorded directly; each would be one HTTP call).
    await t.server.database.prisma.loginFailure.createMany({
      data: Array.from({ length: LOCKOUT.perAccount.failures }, (_, i) => ({
        subject: `user:${user.id}`,
        ip: `10.9.${i >> 8}.${i & 255}`,
      })),
    });
    const fromNewPlace = await login({ login: account.username, password: account.password }, OWNER_NEW_PLACE);
    expect(fromNewPlace.status).toBe(429);
    expect(ErrorBody.parse(fromNewPlace.body).error.message).toMatch(/before still works/);
    expect((await login({ login: account.username, password: account.password }, OWNER_HOME)).status).toBe(200);
  });
});

describe.each(kinds)('per-address rate limit and password rehash on %s database', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { AUTH_RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t?.close({ keepDatabase: true }));

  it('limits the auth routes per client address, with Retry-After', async () => {
    const busy = '127.0.0.21';
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (await request(t.url, 'POST', '/api/auth/login', { body: { login: 'someone', password: 'x' }, localAddress: busy })).status,
      );
    }
    expect(statuses.slice(0, 5).every((status) => status === 401)).toBe(true);
    expect(statuses[5]).toBe(429);
    const limited = await request(t.url, 'POST', '/api/auth/refresh', { body: { refreshToken: 'x' }, localAddress: busy });
    expect(limited.status).toBe(429);
    expect(ErrorBody.parse(limited.body).error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is unaffected.
    expect(
      (await request(t.url, 'POST', '/api/auth/login', { body: { login: 'someone', password: 'x' }, localAddress: '127.0.0.22' })).status,
    ).toBe(401);
  });

  it('rehashes a password on login when the argon2 parameters rise', async () => {
    const account = newAccount('rehash');
    expect((await request(t.url, 'POST', '/api/auth/register', { body: account, localAddress: '127.0.0.31' })).status).toBe(201);
    const before = await t.server.database.prisma.user.findUniqueOrThrow({ where: { username: account.username } });
    expect(before.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await t.close({ keepDatabase: true });

    t = await startTestServer(kind, { ARGON2_MEMORY_KIB: '24576', ARGON2_TIME_COST: '3' }, t.database);
    expect(
      (await request(t.url, 'POST', '/api/auth/login', { body: { login: account.username, password: account.password } })).status,
    ).toBe(200);
    const after = await t.server.database.prisma.user.findUniqueOrThrow({ where: { username: account.username } });
    expect(after.passwordHash).toMatch(/^\$argon2id\$v=19\$m=24576,p=1,t=3\$/);
    expect(
      (await request(t.url, 'POST', '/api/auth/login', { body: { login: account.username, password: account.password } })).status,
    ).toBe(200);
    await t.database.drop();
  });
});
