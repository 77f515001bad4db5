import type { PeerId, PeerMetadata } from '@automerge/automerge-repo/slim';
import { WebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import { socketPaths } from '../protocol/routes.js';
import { WS_TICKET_PARAM } from '../protocol/websocket.js';

// Timers exist in every runtime this runs in; this module is compiled with neither DOM nor Node types.
declare const setTimeout: (callback: () => void, ms: number) => unknown;

/**
 * What the IDE's `Repo` should pass as `syncDebounceRate`: keystrokes within this window travel as one
 * message. automerge-repo's default, 100 ms, alone would put a fast typist's p99 latency above 100 ms.
 */
export const CLIENT_SYNC_THROTTLE_MS = 16;

export interface TicketedAdapterOptions {
  /** The server's base URL, http(s)://host[:port]. */
  serverUrl: string;
  /** A fresh single-use ticket (POST /api/ws-ticket); may refresh the sign-in first. Rejects when offline. */
  fetchTicket(): Promise<string>;
  /** How long to wait between attempts while the server cannot be reached. */
  retryIntervalMs?: number;
}

/** The sync URL for one connection attempt. */
export function syncUrl(serverUrl: string, ticket: string): string {
  const url = new URL(socketPaths.sync, serverUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set(WS_TICKET_PARAM, ticket);
  return url.toString();
}

/**
 * automerge-repo's own WebSocket client adapter, except that every connection attempt, first or retry,
 * fetches a fresh ticket first: tickets are single use, so the stock adapter's fixed URL would work once.
 * Offline, the repo is told the network is ready after the first failed attempt, so documents open from
 * local storage at once instead of waiting for a server that is not there.
 */
export class TicketedWebSocketAdapter extends WebSocketClientAdapter {
  private fetching = false;
  private attempted = false;
  private settle!: () => void;
  private readonly firstAttempt = new Promise<void>((resolve) => (this.settle = resolve));
  private stopped = false;

  constructor(private readonly options: TicketedAdapterOptions) {
    super(syncUrl(options.serverUrl, 'pending'), options.retryIntervalMs ?? 5000);
  }

  override isReady(): boolean {
    return this.attempted || super.isReady();
  }

  override whenReady(): Promise<void> {
    return Promise.race([this.firstAttempt, super.whenReady()]);
  }

  override connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.stopped = false;
    this.peerId ??= peerId;
    this.peerMetadata ??= peerMetadata ?? {};
    if (this.fetching) return;
    this.fetching = true;
    this.options.fetchTicket().then(
      (ticket) => {
        this.fetching = false;
        if (this.stopped) return;
        // Declared read-only upstream, but read afresh by every connection attempt.
        (this as unknown as { url: string }).url = syncUrl(this.options.serverUrl, ticket);
        super.connect(peerId, peerMetadata);
        setTimeout(() => this.markAttempted(), 1000);
      },
      () => {
        this.fetching = false;
        this.markAttempted();
        if (!this.stopped) setTimeout(() => !this.stopped && this.connect(peerId, peerMetadata), this.retryInterval);
      },
    );
  }

  override disconnect(): void {
    this.stopped = true;
    if (this.socket) super.disconnect();
  }

  private markAttempted(): void {
    this.attempted = true;
    this.settle();
  }
}
