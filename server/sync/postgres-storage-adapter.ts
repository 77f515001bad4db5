import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo/slim';
import type { PrismaClient } from '../db/database.js';

const SEPARATOR = '/';
const encodeKey = (key: StorageKey) => key.map(encodeURIComponent).join(SEPARATOR);
const decodeKey = (path: string): StorageKey => path.split(SEPARATOR).map(decodeURIComponent);
// Far longer than any save automerge-repo can still have scheduled for a document it has dropped.
const TOMBSTONE_MS = 10 * 60 * 1000;
const isDocumentChunk = (key: StorageKey) => key.length === 3 && (key[1] === 'snapshot' || key[1] === 'incremental');

/**
 * automerge-repo's storage in Postgres, through Prisma. A key's parts are URI-encoded and joined, so a
 * prefix of parts is a prefix of the path; the document id (the first part) has its own indexed column,
 * so loading a document is one index lookup however long its history.
 *
 * Compaction is one transaction: automerge-repo saves a snapshot, then removes the chunks it replaces one
 * by one. Here the snapshot's own transaction already deletes every chunk of the document that was loaded
 * or saved before it (the snapshot was taken from a document that contains them all), so a crash leaves
 * either the old chunks or the snapshot, never neither; the removals that follow find nothing to do.
 */
export class PostgresStorageAdapter implements StorageAdapterInterface {
  /** Per document: chunk keys known to be committed, so covered by any later snapshot. */
  private readonly settled = new Map<string, Set<string>>();
  /** Deleted documents: a save already scheduled (automerge-repo throttles them) must not bring one back. */
  private readonly deleted = new Map<string, number>();

  private closed = false;

  constructor(private readonly prisma: PrismaClient) {}

  /**
   * After the final flush at shutdown. Saves (and a compaction's removals) automerge-repo still had
   * scheduled then hold nothing new (no peer is connected any more), and must not reach a closing database.
   */
  close(): void {
    this.closed = true;
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    const row = await this.prisma.syncChunk.findUnique({ where: { key: encodeKey(key) }, select: { data: true } });
    return row ? new Uint8Array(row.data) : undefined;
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    const path = encodeKey(key);
    const docId = key[0] ?? '';
    if (this.deleted.has(docId) || this.closed) return;
    const bytes = new Uint8Array(data);
    const upsert = this.prisma.syncChunk.upsert({
      where: { key: path },
      create: { key: path, docId, data: bytes },
      update: { data: bytes },
    });
    if (isDocumentChunk(key) && key[1] === 'snapshot') {
      const replaced = [...(this.settled.get(docId) ?? [])].filter((old) => old !== path);
      await this.prisma.$transaction([upsert, this.prisma.syncChunk.deleteMany({ where: { docId, key: { in: replaced } } })]);
      this.settled.set(docId, new Set([path]));
      return;
    }
    await upsert;
    if (isDocumentChunk(key)) this.settledOf(docId).add(path);
  }

  async remove(key: StorageKey): Promise<void> {
    if (this.closed) return;
    const path = encodeKey(key);
    await this.prisma.syncChunk.deleteMany({ where: { key: path } });
    this.settled.get(key[0] ?? '')?.delete(path);
  }

  async loadRange(keyPrefix: StorageKey): Promise<Chunk[]> {
    const rows = await this.prisma.syncChunk.findMany({ where: this.rangeFilter(keyPrefix), select: { key: true, data: true } });
    const chunks = rows.map((row) => ({ key: decodeKey(row.key), data: new Uint8Array(row.data) }));
    for (const chunk of chunks) if (isDocumentChunk(chunk.key)) this.settledOf(chunk.key[0]!).add(encodeKey(chunk.key));
    return chunks;
  }

  async removeRange(keyPrefix: StorageKey): Promise<void> {
    if (this.closed) return;
    await this.prisma.syncChunk.deleteMany({ where: this.rangeFilter(keyPrefix) });
    if (keyPrefix.length === 0) return this.settled.clear();
    const path = encodeKey(keyPrefix);
    const keys = this.settled.get(keyPrefix[0]!);
    for (const key of keys ?? []) if (key === path || key.startsWith(`${path}${SEPARATOR}`)) keys!.delete(key);
  }

  /** Everything stored for these documents, in one statement, and for good: ids are never reused. */
  async removeDocuments(documentIds: string[]): Promise<void> {
    const now = Date.now();
    for (const [id, at] of this.deleted) if (now - at > TOMBSTONE_MS) this.deleted.delete(id);
    for (const id of documentIds) {
      this.deleted.set(id, now);
      this.settled.delete(id);
    }
    await this.prisma.syncChunk.deleteMany({ where: { docId: { in: documentIds } } });
  }

  private settledOf(docId: string): Set<string> {
    let keys = this.settled.get(docId);
    if (!keys) this.settled.set(docId, (keys = new Set()));
    return keys;
  }

  private rangeFilter(keyPrefix: StorageKey) {
    if (keyPrefix.length === 0) return {};
    const path = encodeKey(keyPrefix);
    return { docId: keyPrefix[0], OR: [{ key: path }, { key: { startsWith: `${path}${SEPARATOR}` } }] };
  }
}
