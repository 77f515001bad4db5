import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo/slim';
import type { PrismaClient } from '../db/database.js';

const SEPARATOR = '/';
const encodeKey = (key: StorageKey) => key.map(encodeURIComponent).join(SEPARATOR);
const decodeKey = (path: string): StorageKey => path.split(SEPARATOR).map(decodeURIComponent);

/**
 * automerge-repo's storage in Postgres, through Prisma. A key's parts are URI-encoded and joined, so a
 * prefix of parts is a prefix of the path; the document id (the first part) has its own indexed column,
 * so loading a document is one index lookup however long its history.
 */
export class PostgresStorageAdapter implements StorageAdapterInterface {
  constructor(private readonly prisma: PrismaClient) {}

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    const row = await this.prisma.syncChunk.findUnique({ where: { key: encodeKey(key) }, select: { data: true } });
    return row ? new Uint8Array(row.data) : undefined;
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    const path = encodeKey(key);
    const bytes = new Uint8Array(data);
    await this.prisma.syncChunk.upsert({
      where: { key: path },
      create: { key: path, docId: key[0] ?? '', data: bytes },
      update: { data: bytes },
    });
  }

  async remove(key: StorageKey): Promise<void> {
    await this.prisma.syncChunk.deleteMany({ where: { key: encodeKey(key) } });
  }

  async loadRange(keyPrefix: StorageKey): Promise<Chunk[]> {
    const rows = await this.prisma.syncChunk.findMany({ where: this.rangeFilter(keyPrefix), select: { key: true, data: true } });
    return rows.map((row) => ({ key: decodeKey(row.key), data: new Uint8Array(row.data) }));
  }

  async removeRange(keyPrefix: StorageKey): Promise<void> {
    await this.prisma.syncChunk.deleteMany({ where: this.rangeFilter(keyPrefix) });
  }

  private rangeFilter(keyPrefix: StorageKey) {
    if (keyPrefix.length === 0) return {};
    const path = encodeKey(keyPrefix);
    return { docId: keyPrefix[0], OR: [{ key: path }, { key: { startsWith: `${path}${SEPARATOR}` } }] };
  }
}
