import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { PrismaClient } from './generated/client.js';
import { migrate } from './migrate.js';

export type { PrismaClient };

export interface Database {
  kind: 'embedded' | 'postgres';
  prisma: PrismaClient;
  /** Round trip to the database, for readiness. */
  ping(timeoutMs: number): Promise<{ ok: boolean; latencyMs?: number; reason?: string }>;
  close(): Promise<void>;
}

/** Works from the source tree (tsx, vitest) and from the build in dist/server/server/db alike. */
function findMigrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${path.sep}dist${path.sep}`)
    ? here.slice(0, here.lastIndexOf(`${path.sep}dist${path.sep}`))
    : path.resolve(here, '../..');
  return path.join(root, 'prisma', 'migrations');
}

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const log = logger.child({ component: 'database' });
  // PGlite runs one query at a time, and its socket server interleaves protocol messages from several
  // connections (one connection's unnamed portal can be replaced by another's: "portal does not exist").
  // So the embedded database gets exactly one connection; queries queue in the pool instead.
  const poolSize = config.database.url ? config.database.poolSize : 1;
  const embedded = config.database.url
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.database.embeddedDir,
        port: config.database.embeddedPort,
        socketDir: path.join(config.dataDir, 'run'),
        // One spare slot, so a replaced connection can open while the old one is still closing.
        maxConnections: poolSize + 1,
        logger: log,
      });
  const connectionString = config.database.url ?? embedded!.url;
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection must not crash the server; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: error }, 'database connection lost'));
  try {
    const result = await migrate(pool, findMigrationsDir(), log);
    log.info({ applied: result.applied.length, alreadyApplied: result.alreadyApplied }, 'database schema up to date');
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    throw describeConnectionError(error, config.database.url);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: embedded ? 'embedded' : 'postgres',
    prisma,
    async ping(timeoutMs) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ok: false, reason: `The database is unreachable: ${error instanceof Error ? error.message : String(error)}` };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await embedded?.stop();
    },
  };
}

/** Turns a driver error at start into one a new user can act on, without echoing the password. */
function describeConnectionError(error: unknown, url: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (!url) return error instanceof Error ? error : new Error(message);
  let where = 'the database in DATABASE_URL';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    // keep the generic wording
  }
  if (/permission denied/i.test(message)) {
    return new Error(
      `Cannot use the database at ${where} (${message}). The user in DATABASE_URL may not create tables there: make it the database's owner (ALTER DATABASE … OWNER TO …) or GRANT CREATE ON SCHEMA public to it.`,
      { cause: error },
    );
  }
  return new Error(
    `Cannot use the database at ${where} (${message}). Check DATABASE_URL (postgresql://user:password@host:5432/dbname), that PostgreSQL is running and the database exists, or unset DATABASE_URL to use the embedded database.`,
    { cause: error },
  );
}
