import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { databaseKinds, createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { openDatabase, type Database } from './database.js';
import { Prisma } from './generated/client.js';

const kinds = await databaseKinds();

const at = (iso: string) => new Date(iso);
const ids = {
  user: '11111111-1111-4111-8111-111111111111',
  session: '22222222-2222-4222-8222-222222222222',
  refresh: '33333333-3333-4333-8333-333333333333',
  ticket: '44444444-4444-4444-8444-444444444444',
  run: '55555555-5555-4555-8555-555555555555',
  project: '66666666-6666-4666-8666-666666666666',
  invite: '77777777-7777-4777-8777-777777777777',
  file: '88888888-8888-4888-8888-888888888888',
};

/**
 * One row per model with every scalar field set to a value that is not its default. Written through the
 * Prisma client onto the migrated database and read back, it proves the migrations and schema.prisma agree.
 */
const rows = {
  User: {
    table: 'users',
    key: { id: ids.user },
    data: {
      id: ids.user,
      username: 'schema-check',
      email: 'schema@example.com',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      createdAt: at('2020-01-02T03:04:05.678Z'),
      updatedAt: at('2021-01-02T03:04:05.678Z'),
    },
  },
  Session: {
    table: 'sessions',
    key: { id: ids.session },
    data: {
      id: ids.session,
      userId: ids.user,
      createdAt: at('2020-02-02T00:00:00.001Z'),
      lastUsedAt: at('2020-02-03T00:00:00.002Z'),
      revokedAt: at('2020-02-04T00:00:00.003Z'),
      userAgent: 'Tandem/1.0 (schema check)',
    },
  },
  RefreshToken: {
    table: 'refresh_tokens',
    key: { id: ids.refresh },
    data: {
      id: ids.refresh,
      sessionId: ids.session,
      tokenHash: 'a'.repeat(64),
      expiresAt: at('2030-01-01T00:00:00.000Z'),
      usedAt: at('2020-03-01T00:00:00.000Z'),
      createdAt: at('2020-03-01T00:00:00.500Z'),
    },
  },
  LoginFailure: {
    table: 'login_failures',
    key: { id: 9_007_199_254_740_993n },
    data: { id: 9_007_199_254_740_993n, subject: 'user:someone', ip: '2001:db8::1', createdAt: at('2020-04-01T00:00:00.000Z') },
  },
  KnownLoginAddress: {
    table: 'known_login_addresses',
    key: { userId_ip: { userId: ids.user, ip: '192.0.2.7' } },
    data: { userId: ids.user, ip: '192.0.2.7', lastSeenAt: at('2020-05-01T00:00:00.000Z') },
  },
  WsTicket: {
    table: 'ws_tickets',
    key: { id: ids.ticket },
    data: {
      id: ids.ticket,
      tokenHash: 'b'.repeat(64),
      userId: ids.user,
      sessionId: ids.session,
      expiresAt: at('2020-06-01T00:00:30.000Z'),
      usedAt: at('2020-06-01T00:00:10.000Z'),
      createdAt: at('2020-06-01T00:00:00.000Z'),
    },
  },
  Run: {
    table: 'runs',
    key: { id: ids.run },
    data: {
      id: ids.run,
      userId: ids.user,
      language: 'python',
      status: 'finished',
      exitCode: 137,
      signal: 'SIGKILL',
      phase: 'run',
      timedOut: true,
      oomKilled: true,
      outputTruncated: true,
      stopped: true,
      durationMs: 1234,
      createdAt: at('2020-07-01T00:00:00.000Z'),
      finishedAt: at('2020-07-01T00:00:01.234Z'),
    },
  },
  SyncChunk: {
    table: 'sync_chunks',
    key: { key: 'doc-1/incremental/abc' },
    data: { key: 'doc-1/incremental/abc', docId: 'doc-1', data: new Uint8Array([0, 1, 2, 255]), updatedAt: at('2020-08-01T00:00:00.000Z') },
  },
  Project: {
    table: 'projects',
    key: { id: ids.project },
    data: {
      id: ids.project,
      name: 'Schema check',
      docId: 'project-doc',
      createdAt: at('2020-09-01T00:00:00.000Z'),
      updatedAt: at('2020-09-02T00:00:00.000Z'),
    },
  },
  ProjectFile: {
    table: 'project_files',
    key: { id: ids.file },
    data: {
      id: ids.file,
      projectId: ids.project,
      path: 'src/main.py',
      docId: 'file-doc',
      language: 'python',
      size: 42,
      createdAt: at('2020-09-05T00:00:00.000Z'),
      updatedAt: at('2020-09-06T00:00:00.000Z'),
    },
  },
  ProjectMember: {
    table: 'project_members',
    key: { projectId_userId: { projectId: ids.project, userId: ids.user } },
    data: { projectId: ids.project, userId: ids.user, role: 'editor', createdAt: at('2020-09-03T00:00:00.000Z') },
  },
  ProjectInvite: {
    table: 'project_invites',
    key: { id: ids.invite },
    data: {
      id: ids.invite,
      projectId: ids.project,
      tokenHash: 'c'.repeat(64),
      role: 'viewer',
      expiresAt: at('2030-01-01T00:00:00.000Z'),
      maxUses: 5,
      uses: 2,
      createdById: ids.user,
      createdAt: at('2020-10-01T00:00:00.000Z'),
      revokedAt: at('2020-10-02T00:00:00.000Z'),
    },
  },
} as const;

type ModelName = keyof typeof rows;
const delegateOf = (db: Database, model: ModelName) =>
  (
    db.prisma as unknown as Record<
      string,
      { create(args: unknown): Promise<unknown>; findUniqueOrThrow(args: unknown): Promise<Record<string, unknown>> }
    >
  )[model[0]!.toLowerCase() + model.slice(1)]!;

describe.each(kinds)('migrations agree with schema.prisma on %s database', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    const config = loadConfig({ TANDEM_DATA_DIR: testDb.dataDir, ...(testDb.url ? { DATABASE_URL: testDb.url } : {}) });
    db = await openDatabase(config, createLogger('silent'));
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('has a fixture for every model and every scalar field', () => {
    expect(Object.keys(rows).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const model of Object.keys(rows) as ModelName[]) {
      const fields = Object.values((Prisma as unknown as Record<string, Record<string, string>>)[`${model}ScalarFieldEnum`]!);
      expect(Object.keys(rows[model].data).sort(), model).toEqual([...fields].sort());
    }
  });

  it('round-trips every model and field through the Prisma client', async () => {
    for (const model of Object.keys(rows) as ModelName[]) {
      const { data, key } = rows[model];
      await delegateOf(db, model).create({ data });
      const read = await delegateOf(db, model).findUniqueOrThrow({ where: key });
      expect(read, model).toEqual(data);
    }
  });

  it('has exactly the tables and columns the schema describes', async () => {
    const columns = await db.prisma.$queryRaw<Array<{ table_name: string; count: bigint }>>`
      SELECT table_name, count(*) AS count FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' GROUP BY table_name`;
    const actual = Object.fromEntries(columns.map((row) => [row.table_name, Number(row.count)]));
    const expected = Object.fromEntries(Object.values(rows).map((row) => [row.table, Object.keys(row.data).length]));
    expect(actual).toEqual(expected);
  });
});
