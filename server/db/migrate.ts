import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../logger.js';

/** The advisory lock key Prisma's own migrate engine takes, so our runner and `prisma migrate deploy` exclude each other. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Prisma's own DDL for its bookkeeping table, so `prisma migrate status/deploy` read what we write.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does: under Prisma's advisory lock, each
 * in its own transaction, each recorded in `_prisma_migrations` with Prisma's checksum.
 */
export async function migrate(
  pool: pg.Pool,
  migrationsDir: string,
  logger: Logger,
  options: { lockTimeoutMs?: number } = {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(migrationsDir);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 60_000, logger);
    try {
      return await applyPending(client, migrations, logger);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch((error: Error) => {
        broken = error; // the connection is gone, and the lock with it
      });
    }
  } catch (error) {
    broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A connection that failed mid-migration is discarded rather than handed back to the pool.
    client.release(broken);
  }
}

/** Waits for another server's migration to finish, up to a deadline, instead of hanging forever. */
async function acquireLock(client: pg.PoolClient, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [PRISMA_MIGRATE_LOCK_KEY]);
    if (rows[0]?.locked) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Another server has held the migration lock for over ${Math.round(timeoutMs / 1000)} s. If none is migrating, a stuck session holds advisory lock ${PRISMA_MIGRATE_LOCK_KEY}: end it (SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${PRISMA_MIGRATE_LOCK_KEY}).`,
      );
    }
    if (!waiting) logger.info('another server is applying migrations; waiting for it');
    waiting = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function applyPending(client: pg.PoolClient, migrations: MigrationFile[], logger: Logger): Promise<MigrationResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed) {
    throw new Error(
      `Migration "${failed.migration_name}" failed earlier and was never resolved. Fix the database, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${failed.migration_name}') and start again.`,
    );
  }
  const applied = new Map(rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
  const known = new Set(migrations.map((migration) => migration.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) {
      logger.warn({ migration: name }, 'the database has a migration this server does not know: is the server older than the database?');
    }
  }
  const result: MigrationResult = { applied: [], alreadyApplied: 0 };
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row) {
      result.alreadyApplied += 1;
      if (row.checksum !== migration.checksum) {
        logger.warn({ migration: migration.name }, 'an applied migration was edited after it ran; its checksum no longer matches');
      }
      continue;
    }
    await applyOne(client, migration, logger);
    result.applied.push(migration.name);
  }
  return result;
}

async function applyOne(client: pg.PoolClient, migration: MigrationFile, logger: Logger): Promise<void> {
  const started = performance.now();
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
      id,
      migration.checksum,
      migration.name,
    ]);
    await client.query(migration.sql);
    await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    // If the connection itself failed, ROLLBACK fails too; the original error is the one to report.
    await client.query('ROLLBACK').catch(() => undefined);
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration "${migration.name}" failed and was rolled back: ${detail}`, { cause: error });
  }
  logger.info({ migration: migration.name, ms: Math.round(performance.now() - started) }, 'applied migration');
}
