import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { startServer, type RunningServer } from '../server.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';
import { client } from './http.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestServer {
  server: RunningServer;
  config: Config;
  database: TestDatabase;
  url: string;
  api: ReturnType<typeof client>;
  /** Every log line the server wrote, as text. */
  logs: string[];
  /** Stops the server; `keepDatabase` leaves the database for a restart. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** The real server, in-process on port 0, on a fresh database of the given kind. */
export async function startTestServer(kind: DatabaseKind, env: Record<string, string> = {}, reuse?: TestDatabase): Promise<TestServer> {
  const database = reuse ?? (await createTestDatabase(kind));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TANDEM_DATA_DIR: database.dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    DOCKER_HOST: process.env.DOCKER_HOST,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      if (process.env.TEST_LOGS) process.stderr.write(chunk);
      done();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel, sink));
  return {
    server,
    config,
    database,
    url: server.url,
    api: client(server.url),
    logs,
    async close(options = {}) {
      await server.close();
      if (!options.keepDatabase) await database.drop();
    },
  };
}

let counter = 0;

/** A unique, valid registration. */
export function newAccount(prefix = 'user') {
  counter += 1;
  const username = `${prefix}-${process.pid}-${counter}`.slice(0, 32);
  return { username, email: `${username}@example.com`, password: `a long passphrase ${counter} for tests` };
}
