import { initializeWasm, isValidAutomergeUrl, Repo, type AutomergeUrl, type DocHandle, type PeerId } from '@automerge/automerge-repo/slim';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import wasmUrl from '@automerge/automerge/automerge.wasm?url';
import { CLIENT_SYNC_THROTTLE_MS, TicketedWebSocketAdapter } from '../../../../shared/sync/ticketed-websocket-adapter.js';
import type { ApiClient } from './api-client.js';

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface SyncStatus {
  connection: ConnectionState;
  /** Documents with edits made here that the server has not confirmed yet. */
  pending: number;
}

type Listener = (status: SyncStatus) => void;

/**
 * This device's copy of every document the user opened: an automerge-repo `Repo` keeping documents in
 * IndexedDB (so offline edits survive reloads) and syncing with the server over `/sync`. It also tracks
 * what is waiting to sync: a document is pending from a local edit until the server's heads contain ours,
 * and the list is kept across reloads so those documents are opened (and so synced) at the next start.
 */
export class SyncService {
  readonly repo: Repo;
  private readonly adapter: TicketedWebSocketAdapter;
  private readonly pendingKey: string;
  private readonly pending: Set<string>;
  private readonly watched = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private connection: ConnectionState = 'connecting';
  private readonly peerId: PeerId;

  private constructor(api: ApiClient, userId: string) {
    this.pendingKey = `tandem.pending:${api.serverUrl}:${userId}`;
    this.pending = new Set(readList(this.pendingKey));
    this.adapter = new TicketedWebSocketAdapter({ serverUrl: api.serverUrl, fetchTicket: () => api.ticket(), retryIntervalMs: 2000 });
    // A fresh peer id per page: the server binds each to one connection, and two tabs must not collide.
    this.peerId = `${userId}-${crypto.randomUUID()}` as PeerId;
    this.repo = new Repo({
      peerId: this.peerId,
      storage: new IndexedDBStorageAdapter(`tandem:${api.serverUrl}:${userId}`),
      network: [this.adapter],
      syncDebounceRate: CLIENT_SYNC_THROTTLE_MS,
    });
    this.repo.networkSubsystem.on('peer', () => this.setConnection('online'));
    this.repo.networkSubsystem.on('peer-disconnected', () => this.setConnection('offline'));
    void this.adapter
      .whenReady()
      .then(() => this.connection === 'connecting' && this.setConnection(this.repo.peers.length ? 'online' : 'offline'));
    window.addEventListener('offline', this.wentOffline);
    window.addEventListener('online', this.cameOnline);
    // Documents edited here but not confirmed by the server before the last reload: open them so they sync.
    for (const url of this.pending) if (isValidAutomergeUrl(url)) void this.find(url).catch(() => undefined);
  }

  static async start(api: ApiClient, userId: string): Promise<SyncService> {
    await initializeWasm(wasmUrl);
    return new SyncService(api, userId);
  }

  get status(): SyncStatus {
    return { connection: this.connection, pending: this.pending.size };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A document, from this device's copy when it has one (so it opens offline), else from the server. */
  async find<T>(url: string): Promise<DocHandle<T>> {
    const handle = await this.repo.find<T>(url as AutomergeUrl);
    this.watch(handle);
    return handle;
  }

  /** Resolves true when the server holds every edit made here to `url` (at once if none waits), false after `timeoutMs`. */
  whenSynced(url: string, timeoutMs: number): Promise<boolean> {
    if (!this.pending.has(url)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(false);
      }, timeoutMs);
      const unsubscribe = this.subscribe(() => {
        if (this.pending.has(url)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(true);
      });
    });
  }

  isPending(url: string): boolean {
    return this.pending.has(url);
  }

  shutdown(): void {
    if (this.saveTimer) this.savePending();
    window.removeEventListener('offline', this.wentOffline);
    window.removeEventListener('online', this.cameOnline);
    void this.repo.shutdown();
  }

  private watch<T>(handle: DocHandle<T>): void {
    if (this.watched.has(handle.url)) return;
    this.watched.add(handle.url);
    // automerge-repo reports every change alike (its patch source is always "change"), so tell local from
    // received by the server's heads: what arrived from the server is in them, our own edits are not yet.
    let serverHeads: Set<string> | null = null;
    const check = () => this.setPending(handle.url, !serverHeads || !handle.heads().every((head) => serverHeads!.has(head)));
    handle.on('change', check);
    handle.on('remote-heads', ({ heads }) => {
      serverHeads = new Set(heads);
      check();
    });
  }

  private setPending(url: string, pending: boolean): void {
    if (pending === this.pending.has(url)) return;
    if (pending) this.pending.add(url);
    else this.pending.delete(url);
    // Written at once when the list grows (a reload must find it), lazily when it shrinks: typing flips a
    // document to pending and back on every keystroke.
    if (pending) this.savePending();
    else this.savePendingSoon();
    this.notify();
  }

  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  private savePending(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    window.localStorage.setItem(this.pendingKey, JSON.stringify([...this.pending]));
  }

  private savePendingSoon(): void {
    this.saveTimer ??= setTimeout(() => this.savePending(), 1000);
  }

  private setConnection(connection: ConnectionState): void {
    if (connection === this.connection) return;
    this.connection = connection;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.status);
  }

  // The browser knows before a socket times out: stop trying at once, and reconnect when it is back.
  private readonly wentOffline = () => {
    if (this.repo.peers.length) this.adapter.disconnect();
    this.setConnection('offline');
  };

  private readonly cameOnline = () => {
    // Browsers also say "online" after a network change without an "offline" first: keep a live socket.
    if (this.repo.peers.length) return;
    this.setConnection('connecting');
    this.adapter.connect(this.peerId, this.adapter.peerMetadata);
  };
}

function readList(key: string): string[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(key) ?? '[]');
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
