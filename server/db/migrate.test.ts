import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../test-support/databases.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { migrate, readMigrations } from './migrate.js';

const kinds = await databaseKinds();
const logger = createLogger('silent');
const migrationsDir = path.resolve(import.meta.dirname, '../../prisma/migrations');

async function connect(database: TestDatabase): Promise<{ url: string; embedded?: EmbeddedPostgres }> {
  if (database.url) return { url: database.url };
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(database.dataDir, 'db'), port: 0, maxConnections: 4, logger });
  return { url: embedded.url, embedded };
}

describe.each(kinds)('migration runner on %s database', (kind) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function freshPool(poolSize = 4) {
    const database = await createTestDatabase(kind);
    const { url, embedded } = await connect(database);
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    cleanup.push(async () => {
      await pool.end();
      await embedded?.stop();
      await database.drop();
    });
    return pool;
  }

  it('applies every migration once, records it as Prisma does, and is a no-op the second time', async () => {
    const pool = await freshPool();
    const files = await readMigrations(migrationsDir);
    expect(files.length).toBeGreaterThan(0);
    const first = await migrate(pool, migrationsDir, logger);
    expect(first.applied).toEqual(files.map((file) => file.name));

    const { rows } = await pool.query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows).toHaveLength(files.length);
    for (const [index, row] of rows.entries()) {
      const sql = await fs.readFile(path.join(migrationsDir, files[index]!.name, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: files[index]!.name,
        checksum: createHash('sha256').update(sql).digest('hex'),
        applied_steps_count: 1,
        rolled_back_at: null,
        logs: null,
      });
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }

    const second = await migrate(pool, migrationsDir, logger);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length });
    expect((await pool.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0].n).toBe(files.length);
  });

  it('rolls a failing migration back whole and says which one failed', async () => {
    const pool = await freshPool();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tandem-migrations-'));
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    await fs.mkdir(path.join(dir, '20260101000000_good'));
    await fs.writeFile(path.join(dir, '20260101000000_good', 'migration.sql'), 'CREATE TABLE "good" ("id" INTEGER);');
    await fs.mkdir(path.join(dir, '20260102000000_bad'));
    await fs.writeFile(
      path.join(dir, '20260102000000_bad', 'migration.sql'),
      'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM "missing_table";',
    );

    await expect(migrate(pool, dir, logger)).rejects.toThrow(/Migration "20260102000000_bad" failed and was rolled back: .*missing_table/);
    const tables = (await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).rows.map(
      (row) => row.table_name,
    );
    expect(tables).toEqual(['_prisma_migrations', 'good']);
    const names = (await pool.query('SELECT migration_name FROM "_prisma_migrations"')).rows.map((row) => row.migration_name);
    expect(names).toEqual(['20260101000000_good']);

    // Once the migration is fixed, the next start applies it.
    await fs.writeFile(path.join(dir, '20260102000000_bad', 'migration.sql'), 'CREATE TABLE "half" ("id" INTEGER);');
    expect((await migrate(pool, dir, logger)).applied).toEqual(['20260102000000_bad']);
  });

  if (kind === 'postgres')
    it('gives up with a clear message when another session holds the migration lock too long', async () => {
      const pool = await freshPool();
      const holder = await pool.connect();
      await holder.query('SELECT pg_advisory_lock(72707369)');
      try {
        await expect(migrate(pool, migrationsDir, logger, { lockTimeoutMs: 300 })).rejects.toThrow(/held the migration lock for over 0 s/);
      } finally {
        await holder.query('SELECT pg_advisory_unlock(72707369)');
        holder.release();
      }
      expect((await migrate(pool, migrationsDir, logger)).applied.length).toBeGreaterThan(0);
    });

  // Only a real PostgreSQL has several servers: an embedded database belongs to one process (see the lock below).
  if (kind === 'postgres')
    it('lets only one of several servers starting at once apply each migration', async () => {
      const database = await createTestDatabase(kind);
      const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: database.url, max: 2 }));
      cleanup.push(async () => {
        await Promise.all(pools.map((pool) => pool.end()));
        await database.drop();
      });
      const results = await Promise.all(pools.map((pool) => migrate(pool, migrationsDir, logger)));
      const files = await readMigrations(migrationsDir);
      expect(results.flatMap((result) => result.applied).sort()).toEqual(files.map((file) => file.name).sort());
      expect((await pools[0]!.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).rows[0].n).toBe(files.length);
    });
});

describe('embedded database', () => {
  it('keeps its data across restarts and refuses a second server on the same directory', async () => {
    const database = await createTestDatabase('embedded');
    const dataDir = path.join(database.dataDir, 'db');
    try {
      const first = await startEmbeddedPostgres({ dataDir, port: 0, maxConnections: 2, logger });
      await expect(startEmbeddedPostgres({ dataDir, port: 0, maxConnections: 2, logger })).rejects.toThrow(
        /is using the embedded database/,
      );
      const pool = new pg.Pool({ connectionString: first.url, max: 2 });
      await pool.query('CREATE TABLE kept (value TEXT); INSERT INTO kept VALUES ($$still here$$)');
      await pool.end();
      await first.stop();

      const second = await startEmbeddedPostgres({ dataDir, port: 0, maxConnections: 2, logger });
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      expect((await client.query('SELECT value FROM kept')).rows).toEqual([{ value: 'still here' }]);
      await client.end();
      await second.stop();
    } finally {
      await database.drop();
    }
  });

  it('listens on a Unix socket in an owner-only directory, so other local users cannot connect', async () => {
    const database = await createTestDatabase('embedded');
    const socketDir = path.join(database.dataDir, 'run');
    try {
      const embedded = await startEmbeddedPostgres({
        dataDir: path.join(database.dataDir, 'db'),
        port: 0,
        socketDir,
        maxConnections: 2,
        logger,
      });
      expect(embedded.url).toContain(`host=${encodeURIComponent(socketDir)}`);
      expect((await fs.stat(socketDir)).mode & 0o777).toBe(0o700);
      expect((await fs.stat(path.join(socketDir, '.s.PGSQL.5432'))).isSocket()).toBe(true);
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      expect((await client.query('SELECT 41 + 1 AS answer')).rows).toEqual([{ answer: 42 }]);
      await client.end();
      await embedded.stop();
    } finally {
      await database.drop();
    }
  });
});
