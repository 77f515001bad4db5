import { runStorageAdapterTests } from '@automerge/automerge-repo/helpers/tests/storage-adapter-tests.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { createLogger } from '../logger.js';
import { createTestDatabase, databaseKinds, type DatabaseKind, type TestDatabase } from '../test-support/databases.js';
import { PostgresStorageAdapter } from './postgres-storage-adapter.js';

const kinds = await databaseKinds();

/** One database per suite, emptied before each test (opening a fresh one per test costs seconds). */
function sharedDatabase(kind: DatabaseKind) {
  let opened: Promise<{ database: Database; testDb: TestDatabase }> | undefined;
  return {
    async fresh(): Promise<PostgresStorageAdapter> {
      opened ??= (async () => {
        const testDb = await createTestDatabase(kind);
        const config = loadConfig({
          TANDEM_DATA_DIR: testDb.dataDir,
          DATABASE_POOL_SIZE: '2',
          ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
        });
        return { database: await openDatabase(config, createLogger('silent')), testDb };
      })();
      const { database } = await opened;
      await database.prisma.syncChunk.deleteMany();
      return new PostgresStorageAdapter(database.prisma);
    },
    async close(): Promise<void> {
      if (!opened) return;
      const { database, testDb } = await opened;
      await database.close();
      await testDb.drop();
    },
  };
}

describe.each(kinds)('PostgresStorageAdapter on %s database', (kind) => {
  const shared = sharedDatabase(kind);
  afterAll(() => shared.close());

  // automerge-repo's own acceptance suite for storage adapters.
  runStorageAdapterTests(async () => ({ adapter: await shared.fresh() }));

  it('keeps key parts containing "/" and "%" apart, and matches prefixes by whole parts', async () => {
    const adapter = await shared.fresh();
    const bytes = (n: number) => new Uint8Array([n]);
    await adapter.save(['doc', 'a/b', 'c'], bytes(1));
    await adapter.save(['doc', 'a', 'b/c'], bytes(2));
    await adapter.save(['doc', 'ab', 'x'], bytes(3));
    await adapter.save(['doc', '100%', 'y'], bytes(4));
    expect(await adapter.load(['doc', 'a/b', 'c'])).toEqual(bytes(1));
    expect((await adapter.loadRange(['doc', 'a'])).map((chunk) => chunk.key)).toEqual([['doc', 'a', 'b/c']]);
    expect((await adapter.loadRange(['doc', '100%'])).map((chunk) => chunk.key)).toEqual([['doc', '100%', 'y']]);
    await adapter.removeRange(['doc', 'a']);
    expect((await adapter.loadRange(['doc'])).map((chunk) => chunk.key[1]).sort()).toEqual(['100%', 'a/b', 'ab']);
  });
});
