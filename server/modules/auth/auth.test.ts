import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse, ErrorBody, MeResponse, UserProfileResponse } from '../../../shared/protocol/index.js';
import { databaseKinds } from '../../test-support/databases.js';
import { newAccount, startTestServer, TEST_JWT_SECRET, type TestServer } from '../../test-support/test-server.js';

const kinds = await databaseKinds();

function expectError(response: { status: number; body: unknown }, status: number, code: string) {
  expect(response.status).toBe(status);
  const parsed = ErrorBody.parse(response.body);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(10);
  return parsed.error;
}

describe.each(kinds)('accounts and auth on %s database', (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { ADMIN_USERNAMES: 'root-admin' });
  });
  afterAll(() => t?.close());

  async function register(account = newAccount()) {
    const response = await t.api.post('/api/auth/register', account);
    expect(response.status).toBe(201);
    return { account, auth: AuthResponse.parse(response.body) };
  }

  it('registers, signs in by username and by email, and answers /me', async () => {
    const { account, auth } = await register();
    expect(auth.user).toMatchObject({ username: account.username, email: account.email, role: 'user' });
    expect(auth.accessTokenExpiresInSeconds).toBe(900);
    expect(Buffer.from(auth.refreshToken, 'base64url')).toHaveLength(32);

    for (const login of [account.username, account.email.toUpperCase()]) {
      const response = await t.api.post('/api/auth/login', { login, password: account.password });
      expect(response.status).toBe(200);
      expect(AuthResponse.parse(response.body).user.id).toBe(auth.user.id);
    }
    const me = await t.api.get('/api/auth/me', { token: auth.accessToken });
    expect(me.status).toBe(200);
    expect(MeResponse.parse(me.body).user).toEqual(auth.user);
  });

  it('warns at start that an admin username nobody has registered is up for grabs', () => {
    expect(t.logs.join('')).toMatch(/"username":"root-admin".*whoever registers it first becomes an admin/);
  });

  it('registers many accounts at once without a false conflict or an error', async () => {
    const accounts = Array.from({ length: 8 }, () => newAccount('burst'));
    const responses = await Promise.all(accounts.map((account) => t.api.post('/api/auth/register', account)));
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
  });

  it('gives admins the admin role from ADMIN_USERNAMES', async () => {
    const { auth } = await register({ ...newAccount(), username: 'root-admin', email: `root-admin-${kind}@example.com` });
    expect(auth.user.role).toBe('admin');
  });

  it('pins the access token to HS256 with issuer, audience and a 15-minute expiry', async () => {
    const { auth } = await register();
    const header = JSON.parse(Buffer.from(auth.accessToken.split('.')[0]!, 'base64url').toString());
    const claims = jwt.decode(auth.accessToken) as jwt.JwtPayload;
    expect(header.alg).toBe('HS256');
    expect(claims).toMatchObject({ sub: auth.user.id, iss: 'tandem', aud: 'tandem' });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('shows public profiles without the email, except to oneself', async () => {
    const alice = await register();
    const bob = await register();
    const asBob = await t.api.get(`/api/users/${alice.account.username}`, { token: bob.auth.accessToken });
    expect(asBob.status).toBe(200);
    const profile = UserProfileResponse.parse(asBob.body).user;
    expect(profile.username).toBe(alice.account.username);
    expect(profile).not.toHaveProperty('email');
    expect(asBob.text).not.toContain(alice.account.email);

    const asAlice = await t.api.get(`/api/users/${alice.account.username}`, { token: alice.auth.accessToken });
    expect(UserProfileResponse.parse(asAlice.body).user.email).toBe(alice.account.email);

    expectError(await t.api.get('/api/users/nobody-here', { token: bob.auth.accessToken }), 404, 'not_found');
  });

  it('gives one generic answer for a wrong password and for an unknown account', async () => {
    const { account } = await register();
    const wrongPassword = expectError(
      await t.api.post('/api/auth/login', { login: account.username, password: 'not the password at all' }),
      401,
      'unauthorized',
    );
    const unknownUser = expectError(
      await t.api.post('/api/auth/login', { login: 'no-such-user-xyz', password: 'whatever it is 123' }),
      401,
      'unauthorized',
    );
    expect(unknownUser.message).toBe(wrongPassword.message);
  });

  it('rotates refresh tokens, and a reused one revokes its whole family', async () => {
    const { auth } = await register();
    const first = await t.api.post('/api/auth/refresh', { refreshToken: auth.refreshToken });
    expect(first.status).toBe(200);
    const rotated = AuthResponse.parse(first.body);
    expect(rotated.refreshToken).not.toBe(auth.refreshToken);
    expect((await t.api.get('/api/auth/me', { token: rotated.accessToken })).status).toBe(200);

    // The original token again: someone kept a copy. The family dies, including the newest token.
    expectError(await t.api.post('/api/auth/refresh', { refreshToken: auth.refreshToken }), 401, 'unauthorized');
    expectError(await t.api.post('/api/auth/refresh', { refreshToken: rotated.refreshToken }), 401, 'unauthorized');
    expectError(await t.api.get('/api/auth/me', { token: rotated.accessToken }), 401, 'unauthorized');
  });

  it('signs out: the family is revoked and its access token stops working', async () => {
    const { account, auth } = await register();
    const second = AuthResponse.parse((await t.api.post('/api/auth/login', { login: account.username, password: account.password })).body);
    const logout = await t.api.post('/api/auth/logout', { refreshToken: auth.refreshToken }, { token: auth.accessToken });
    expect(logout.status).toBe(204);
    expectError(await t.api.post('/api/auth/refresh', { refreshToken: auth.refreshToken }), 401, 'unauthorized');
    expectError(await t.api.get('/api/auth/me', { token: auth.accessToken }), 401, 'unauthorized');
    // The other device stays signed in.
    expect((await t.api.get('/api/auth/me', { token: second.accessToken })).status).toBe(200);
    expect((await t.api.post('/api/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(200);
  });

  it('cannot sign out another user\u2019s session', async () => {
    const alice = await register();
    const mallory = await register();
    const response = await t.api.post('/api/auth/logout', { refreshToken: alice.auth.refreshToken }, { token: mallory.auth.accessToken });
    expect(response.status).toBe(204);
    expect((await t.api.post('/api/auth/refresh', { refreshToken: alice.auth.refreshToken })).status).toBe(200);
  });

  it('refuses tampered, unsigned, foreign and expired access tokens', async () => {
    const { auth } = await register();
    const claims = jwt.decode(auth.accessToken) as jwt.JwtPayload;
    const base = { sid: claims.sid, sub: claims.sub, iss: 'tandem', aud: 'tandem' };
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...base, exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    const [head, , signature] = auth.accessToken.split('.');
    const otherSubject = Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url');
    const bad = {
      'alg none': unsigned,
      'wrong key': jwt.sign(base, 'another-secret-that-is-also-long-enough-000', { algorithm: 'HS256', expiresIn: 600 }),
      'wrong audience': jwt.sign({ ...base, aud: 'someone-else' }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 }),
      'wrong issuer': jwt.sign({ ...base, iss: 'evil' }, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 }),
      expired: jwt.sign({ ...base, exp: Math.floor(Date.now() / 1000) - 5 }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
      'HS512 with the right key': jwt.sign(base, TEST_JWT_SECRET, { algorithm: 'HS512', expiresIn: 600 }),
      'payload swapped': `${head}.${otherSubject}.${signature}`,
      garbage: 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(bad)) {
      const response = await t.api.get('/api/auth/me', { token });
      expect(response.status, name).toBe(401);
      expect(ErrorBody.parse(response.body).error.code, name).toBe('unauthorized');
    }
    // A correctly signed token for the same session still works: the refusals above were about the token.
    const good = jwt.sign(base, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
    expect((await t.api.get('/api/auth/me', { token: good })).status).toBe(200);
  });

  it('guards every /api route but register, login and refresh', async () => {
    for (const [method, path] of [
      ['GET', '/api/auth/me'],
      ['POST', '/api/auth/logout'],
      ['POST', '/api/ws-ticket'],
      ['GET', '/api/users/anyone'],
      ['GET', '/api/not-a-route'],
    ] as const) {
      const response = await t.api.request(method, path);
      expectError(response, 401, 'unauthorized');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const { auth } = await register();
    expectError(await t.api.get('/api/not-a-route', { token: auth.accessToken }), 404, 'not_found');
  });

  describe('bad input', () => {
    const valid = () => newAccount('bad');

    it.each([
      ['a missing body field', (a: Record<string, unknown>) => ({ username: a.username, email: a.email }), 'password'],
      ['an uppercase username', (a: Record<string, unknown>) => ({ ...a, username: 'Alice' }), 'username'],
      ['a too-short username', (a: Record<string, unknown>) => ({ ...a, username: 'ab' }), 'username'],
      ['a 33-character username', (a: Record<string, unknown>) => ({ ...a, username: 'a'.repeat(33) }), 'username'],
      ['a username with a space', (a: Record<string, unknown>) => ({ ...a, username: 'bob smith' }), 'username'],
      ['an invalid email', (a: Record<string, unknown>) => ({ ...a, email: 'not-an-email' }), 'email'],
      ['a 9-character password', (a: Record<string, unknown>) => ({ ...a, password: '123456789' }), 'password'],
      ['a 257-character password', (a: Record<string, unknown>) => ({ ...a, password: 'x'.repeat(257) }), 'password'],
      ['a common password', (a: Record<string, unknown>) => ({ ...a, password: 'qwertyuiop' }), 'password'],
      ['a common password in other case', (a: Record<string, unknown>) => ({ ...a, password: 'Password123' }), 'password'],
      ['a number for a username', (a: Record<string, unknown>) => ({ ...a, username: 12345 }), 'username'],
    ])('refuses %s with 400 naming the field', async (_name, mutate, field) => {
      const response = await t.api.post('/api/auth/register', mutate(valid()));
      const error = expectError(response, 400, 'validation_failed');
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    });

    it('accepts a 256-character password and never truncates it', async () => {
      const account = { ...valid(), password: `${'p'.repeat(255)}!` };
      expect((await t.api.post('/api/auth/register', account)).status).toBe(201);
      expect((await t.api.post('/api/auth/login', { login: account.username, password: account.password })).status).toBe(200);
      const truncated = account.password.slice(0, 255);
      expect((await t.api.post('/api/auth/login', { login: account.username, password: truncated })).status).toBe(401);
    });

    it('counts password length in characters, so emoji count once', async () => {
      const shortEmoji = await t.api.post('/api/auth/register', { ...valid(), password: '\u{1F600}'.repeat(9) });
      expect(expectError(shortEmoji, 400, 'validation_failed').details).toEqual([expect.objectContaining({ path: 'password' })]);
      const account = { ...valid(), password: '\u{1F600}\u{1F680}'.repeat(100) }; // 200 characters, 400 UTF-16 units
      expect((await t.api.post('/api/auth/register', account)).status).toBe(201);
      expect((await t.api.post('/api/auth/login', { login: account.username, password: account.password })).status).toBe(200);
    });

    it('refuses logins and profile names no account can have with 400, never 500', async () => {
      const { auth } = await register();
      for (const login of ['nul\u0000byte', 'ab', '\u0130'.repeat(320), 'x'.repeat(400) + '@example.com']) {
        expectError(await t.api.post('/api/auth/login', { login, password: 'whatever it is' }), 400, 'validation_failed');
      }
      expectError(await t.api.get('/api/users/bad%00name', { token: auth.accessToken }), 400, 'validation_failed');
      expectError(await t.api.get('/api/users/%E0%A4%A', { token: auth.accessToken }), 400, 'bad_request');
      const badGzip = await t.api.request('POST', '/api/auth/login', {
        rawBody: Buffer.from('definitely not gzip'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expectError(badGzip, 400, 'bad_request');
      expect(t.logs.join('')).not.toContain('unhandled error');
    });

    it('refuses a taken username or email with 409 naming the field', async () => {
      const { account } = await register();
      const sameName = await t.api.post('/api/auth/register', { ...newAccount(), username: account.username });
      expect(expectError(sameName, 409, 'conflict').details).toEqual([expect.objectContaining({ path: 'username' })]);
      const sameEmail = await t.api.post('/api/auth/register', { ...newAccount(), email: account.email.toUpperCase() });
      expect(expectError(sameEmail, 409, 'conflict').details).toEqual([expect.objectContaining({ path: 'email' })]);
    });

    it('answers malformed JSON with 400, a non-JSON body with 415 and a too-large one with 413', async () => {
      expectError(
        await t.api.request('POST', '/api/auth/login', { rawBody: '{"login": ', headers: { 'content-type': 'application/json' } }),
        400,
        'bad_request',
      );
      expectError(
        await t.api.request('POST', '/api/auth/login', {
          rawBody: 'login=a',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'unsupported_media_type',
      );
      const huge = JSON.stringify({ login: 'a', password: 'x'.repeat(3 * 1024 * 1024) });
      const tooLarge = await t.api.request('POST', '/api/auth/login', { rawBody: huge, headers: { 'content-type': 'application/json' } });
      expectError(tooLarge, 413, 'payload_too_large');
      expectError(await t.api.post('/api/auth/login', []), 400, 'validation_failed');
      expectError(await t.api.post('/api/auth/refresh', { refreshToken: 'nope' }), 401, 'unauthorized');
    });

    it('answers unknown routes with 404 in the error shape', async () => {
      expectError(await t.api.get('/no/such/thing.json'), 404, 'not_found');
      expectError(await t.api.request('DELETE', '/health'), 404, 'not_found');
    });
  });
});
