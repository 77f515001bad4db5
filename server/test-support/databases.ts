import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { requireComponent } from './components.js';

export type DatabaseKind = 'embedded' | 'postgres';

/** Every suite that touches the database runs against both: the embedded PGlite and a real PostgreSQL. */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  const postgres = await requireComponent('postgres');
  return postgres.available ? ['embedded', 'postgres'] : ['embedded'];
}

export interface TestDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL for a real database; undefined for the embedded one. */
  url: string | undefined;
  /** The data directory the server uses (the embedded database lives in it). */
  dataDir: string;
  drop(): Promise<void>;
}

/** A brand-new, empty database: a fresh PostgreSQL database, or a fresh PGlite directory. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tandem-test-'));
  if (kind === 'embedded') {
    return { kind, url: undefined, dataDir, drop: () => fs.rm(dataDir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.DATABASE_URL!;
  const name = `tandem_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    dataDir,
    async drop() {
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
