import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../logger.js';
import { isProcessAlive } from '../../shared/sandbox/process-alive.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

// Unix socket paths are limited to about 104 bytes (macOS) or 108 (Linux).
const MAX_SOCKET_PATH = 100;

/**
 * Real Postgres (PGlite, WASM) in the data directory, served so the server uses the same `pg` driver and
 * Prisma adapter as with a real database: one code path. PGlite has no passwords, so it listens on a
 * Unix socket inside the owner-only data directory; on Windows, or when a port is asked for, on loopback TCP.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  /** Listen on loopback TCP at this port (0: any free port) instead of a Unix socket. */
  port: number;
  /** Directory for the Unix socket; TCP is used when absent or too long a path. */
  socketDir?: string;
  maxConnections: number;
  logger: Logger;
}): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = await lockDataDir(dataDir);
  const firstStart = !(await exists(path.join(dataDir, 'PG_VERSION')));
  logger.info({ dataDir, firstStart }, firstStart ? 'creating the embedded database (first start)' : 'opening the embedded database');
  try {
    const db = await PGlite.create(dataDir);
    const socketDir = options.socketDir;
    const socketPath = socketDir && path.join(socketDir, '.s.PGSQL.5432');
    const useSocket =
      process.platform !== 'win32' && options.port === 0 && socketPath !== undefined && socketPath.length <= MAX_SOCKET_PATH;
    if (useSocket) {
      await fs.mkdir(socketDir!, { recursive: true, mode: 0o700 });
      await fs.chmod(socketDir!, 0o700);
      await fs.rm(socketPath!, { force: true }); // left by a server that died; the lock says none is running
    }
    // PGlite serves one connection at a time; the socket server queues the pool's connections onto it
    // and keeps each transaction on its own connection. Fewer slots than the pool is ECONNRESET.
    const server = new PGLiteSocketServer({
      db,
      maxConnections: options.maxConnections,
      ...(useSocket ? { path: socketPath } : { host: '127.0.0.1', port: options.port }),
    });
    await server.start();
    const address = server.getServerConn();
    logger.info(
      { address },
      useSocket ? 'embedded database listening on a private Unix socket' : 'embedded database listening on loopback',
    );
    return {
      url: useSocket
        ? `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir!)}`
        : `postgresql://postgres:postgres@${address}/postgres?sslmode=disable`,
      async stop() {
        await server.stop();
        await db.close();
        await releaseLock();
      },
    };
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Two processes writing one PGlite directory would corrupt it, so the first one holds a pid lock. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await fs.readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && isProcessAlive(holder)) {
        throw new Error(
          `Another Tandem server (pid ${holder}) is using the embedded database in ${dataDir}. Stop it, or give this one its own TANDEM_DATA_DIR.`,
          { cause: error },
        );
      }
      await fs.rm(lockFile, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}.`);
}
