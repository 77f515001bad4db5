import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, HealthResponse, PROTOCOL_VERSION, ReadinessResponse } from '../../shared/protocol/index.js';
import { requireComponent } from '../test-support/components.js';
import { createTestDatabase, withAdmin } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';

const postgres = await requireComponent('postgres');
const docker = await requireComponent('docker');

describe('HTTP core', () => {
  let t: TestServer;
  beforeAll(async () => {
    const rendererDir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'tandem-renderer-'));
    await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Tandem test page</title>');
    await fs.mkdir(path.join(rendererDir, 'assets'));
    await fs.writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    t = await startTestServer('embedded', { CORS_ORIGINS: 'https://ide.example.com', RENDERER_DIR: rendererDir });
  });
  afterAll(() => t?.close());

  it('answers liveness with the version and protocol version', async () => {
    const response = await t.api.get('/health');
    expect(response.status).toBe(200);
    expect(HealthResponse.parse(response.body)).toMatchObject({ status: 'ok', version: '0.1.0', protocolVersion: PROTOCOL_VERSION });
  });

  it('answers readiness with the database and Docker status', async () => {
    const response = await t.api.get('/health/ready');
    expect(response.status).toBe(200);
    const readiness = ReadinessResponse.parse(response.body);
    expect(readiness.status).toBe('ready');
    expect(readiness.database).toMatchObject({ ok: true, kind: 'embedded' });
    expect(readiness.docker.ok).toBe(docker.available);
    if (!readiness.docker.ok) expect(readiness.docker.reason).toMatch(/Start Docker/);
  });

  it('says plainly when Docker is unreachable, within two seconds', async () => {
    const other = await startTestServer('embedded', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    try {
      const started = Date.now();
      const readiness = ReadinessResponse.parse((await other.api.get('/health/ready')).body);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(readiness.status).toBe('ready');
      expect(readiness.docker).toMatchObject({ ok: false, reason: expect.stringMatching(/unreachable.*DOCKER_HOST/) });
    } finally {
      await other.close();
    }
  });

  it('states its protocol version on every response and tells a too-old client to update', async () => {
    expect((await t.api.get('/health')).headers['x-tandem-protocol']).toBe(String(PROTOCOL_VERSION));
    expect((await t.api.get('/nowhere')).headers['x-tandem-protocol']).toBe(String(PROTOCOL_VERSION));
    expect((await t.api.get('/health', { headers: { 'x-tandem-protocol': String(PROTOCOL_VERSION) } })).status).toBe(200);
    expect((await t.api.get('/health', { headers: { 'x-tandem-protocol': 'two' } })).status).toBe(400);
  });

  it('echoes a well-formed X-Request-Id and makes one up otherwise', async () => {
    expect((await t.api.get('/health', { headers: { 'x-request-id': 'trace-abc.123' } })).headers['x-request-id']).toBe('trace-abc.123');
    const replaced = (await t.api.get('/health', { headers: { 'x-request-id': 'bad id with spaces and $ signs' } })).headers[
      'x-request-id'
    ];
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    const error = await t.api.get('/nowhere', { headers: { 'x-request-id': 'follow-me' } });
    expect(ErrorBody.parse(error.body).error.requestId).toBe('follow-me');
  });

  it('sends helmet\u2019s security headers and no X-Powered-By', async () => {
    const response = await t.api.get('/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('allows CORS only for listed origins', async () => {
    const allowed = await t.api.request('OPTIONS', '/api/auth/login', {
      headers: {
        origin: 'https://ide.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://ide.example.com');
    const refused = await t.api.get('/health', { headers: { origin: 'https://evil.example.net' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the web app at / and for client-side routes, and JSON 404s elsewhere', async () => {
    for (const page of ['/', '/projects/123']) {
      const response = await t.api.get(page, { headers: { accept: 'text/html' } });
      expect(response.status, page).toBe(200);
      expect(response.text).toContain('Tandem test page');
    }
    expect((await t.api.get('/assets/app.js')).text).toBe('console.log(1)');
    expect((await t.api.get('/assets/missing.js', { headers: { accept: 'text/html' } })).status).toBe(404);
    expect(ErrorBody.parse((await t.api.get('/projects/123', { headers: { accept: 'application/json' } })).body).error.code).toBe(
      'not_found',
    );
  });
});

describe.skipIf(!postgres.available)('readiness when PostgreSQL goes away', () => {
  it('answers 503 while the database is unreachable and recovers when it returns', async () => {
    const database = await createTestDatabase('postgres');
    const t = await startTestServer('postgres', {}, database);
    const name = new URL(database.url!).pathname.slice(1);
    const adminUrl = process.env.DATABASE_URL!;
    try {
      expect((await t.api.get('/health/ready')).status).toBe(200);
      await withAdmin(adminUrl, async (admin) => {
        await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      });
      const down = await t.api.get('/health/ready');
      expect(down.status).toBe(503);
      const readiness = ReadinessResponse.parse(down.body);
      expect(readiness.status).toBe('unavailable');
      expect(readiness.database.ok).toBe(false);
      expect(readiness.database.reason).toMatch(/unreachable/);
      expect((await t.api.get('/health')).status).toBe(200);

      await withAdmin(adminUrl, (admin) => admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));
      await expect.poll(async () => (await t.api.get('/health/ready')).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await t.close();
    }
  });
});
