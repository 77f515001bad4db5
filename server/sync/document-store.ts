// The full entry point loads Automerge's WebAssembly; `slim` modules used elsewhere share it.
import { Repo, type DocHandle, type DocumentId, type NetworkAdapterInterface, type PeerId } from '@automerge/automerge-repo';
import { Automerge } from '@automerge/automerge-repo/slim';
import type { PostgresStorageAdapter } from './postgres-storage-adapter.js';

export interface DocumentStoreOptions {
  storage: PostgresStorageAdapter;
  network: NetworkAdapterInterface[];
  /** Whether a connected peer may sync a document; also decides when a revoked peer stops receiving. */
  mayAccess(peerId: PeerId, documentId: DocumentId): Promise<boolean>;
  /** Least milliseconds between sync messages per document (a patched automerge-repo option; see vendor/README.md). */
  syncThrottleMs: number;
}

/**
 * The server's automerge-repo `Repo`, with the durability the sync endpoint promises: `persisted(id)`
 * resolves once everything the document holds now is committed to Postgres. Concurrent callers share one
 * write per state of the document, so twenty peers waiting on one edit cost one transaction.
 */
export class DocumentStore {
  readonly repo: Repo;
  private readonly flushes = new Map<string, { heads: string; done: Promise<void> }>();

  constructor(private readonly options: DocumentStoreOptions) {
    const repo = new Repo({
      storage: options.storage,
      network: options.network,
      peerId: 'tandem-server' as PeerId,
      syncDebounceRate: options.syncThrottleMs,
      // Nothing is pushed unasked: a client syncs the documents it asks for, if it may.
      shareConfig: { announce: () => Promise.resolve(false), access: (peerId, documentId) => options.mayAccess(peerId, documentId!) },
    });
    this.repo = repo;
    this.serialiseSaves();
  }

  /**
   * One save at a time per document. automerge-repo's own throttled save and `flush` may otherwise overlap:
   * two incremental saves of the same changes, or an incremental save racing a compaction, which leaves a
   * chunk the snapshot already holds (33.7 MB beside a 129 KB snapshot, for the editing trace). Each save
   * writes the document as it is when its turn comes, so none is older than the one before.
   */
  private serialiseSaves(): void {
    const storage = this.repo.storageSubsystem!;
    const saveDoc = storage.saveDoc.bind(storage);
    const queues = new Map<string, Promise<void>>();
    storage.saveDoc = (documentId, doc) => {
      const turn = (queues.get(documentId) ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => saveDoc(documentId, this.repo.handles[documentId]?.doc() ?? doc));
      queues.set(documentId, turn);
      void turn
        .catch(() => undefined)
        .then(() => {
          if (queues.get(documentId) === turn) queues.delete(documentId);
        });
      return turn;
    };
  }

  async create<T>(initial: T): Promise<DocHandle<T>> {
    const handle = this.repo.create<T>(initial);
    await this.persisted(handle.documentId);
    return handle;
  }

  async find<T>(documentId: string): Promise<DocHandle<T>> {
    return this.repo.find<T>(documentId as DocumentId);
  }

  /** Resolves when the document's current state is committed; a no-op for a document not in memory. */
  persisted(documentId: string): Promise<void> {
    const handle = this.repo.handles[documentId as DocumentId];
    if (!handle?.isReady()) return Promise.resolve();
    const heads = handle.heads().join(',');
    const last = this.flushes.get(documentId);
    if (last?.heads === heads) return last.done;
    const done = (last?.done ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => (this.repo.handles[documentId as DocumentId] ? this.repo.flush([documentId as DocumentId]) : undefined));
    const entry = { heads, done };
    this.flushes.set(documentId, entry);
    // A failed write is retried by the next caller rather than remembered as done.
    done.catch(() => {
      if (this.flushes.get(documentId) === entry) this.flushes.delete(documentId);
    });
    return done;
  }

  /** Those of `heads` the server's copy contains. */
  knownHeads(documentId: string, heads: string[]): string[] {
    const handle = this.repo.handles[documentId as DocumentId];
    if (!handle?.isReady()) return [];
    const doc = handle.doc();
    return heads.filter((head) => Automerge.hasHeads(doc, [head]));
  }

  /** Unloads the documents and deletes everything stored for them. */
  async remove(documentIds: string[]): Promise<void> {
    await Promise.all(documentIds.map((id) => this.flushes.get(id)?.done.catch(() => undefined)));
    for (const id of documentIds) {
      this.flushes.delete(id);
      if (this.repo.handles[id as DocumentId]) this.repo.delete(id as DocumentId);
    }
    await this.options.storage.removeDocuments(documentIds);
  }

  async close(): Promise<void> {
    try {
      await this.repo.shutdown();
    } finally {
      this.options.storage.close();
    }
  }
}
