import type { Message, PeerId, PeerMetadata } from '@automerge/automerge-repo/slim';
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

const SLOW_SERVER_MS = 5000;
/** WebSocket.OPEN, the same in browsers and in `ws`. */
const OPEN = 1;

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
 * The repo is told the network is ready when the server has answered, or after the first failed attempt
 * (offline, documents then open from local storage at once), or after 5 s of a server that is slow to
 * answer; never merely after 1 s, as upstream, which under load turns a busy server into "unavailable".
 */
export class TicketedWebSocketAdapter extends WebSocketClientAdapter {
  private fetching = false;
  private attempted = false;
  private settle!: () => void;
  private readonly firstAttempt = new Promise<void>((resolve) => (this.settle = resolve));
  private stopped = false;

  constructor(private readonly options: TicketedAdapterOptions) {
    super(syncUrl(options.serverUrl, 'pending'), options.retryIntervalMs ?? 5000);
    this.on('peer-candidate', () => this.markAttempted());
  }

  override isReady(): boolean {
    return this.attempted;
  }

  override whenReady(): Promise<void> {
    return this.firstAttempt;
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
        // The stock retry timer may have asked again while a socket was opening; one that is open and
        // joined must not be replaced (replies to what it sent would be lost with it).
        if (this.stopped || this.socket?.readyState === OPEN) return;
        // Declared read-only upstream, but read afresh by every connection attempt.
        (this as unknown as { url: string }).url = syncUrl(this.options.serverUrl, ticket);
        super.connect(peerId, peerMetadata);
        // Ready once the server answers (its "peer" message), the attempt fails, or a slow
        // server has had a fair chance: a busy server is not reported as "document unavailable".
        this.socket?.addEventListener('close', () => this.markAttempted());
        setTimeout(() => this.markAttempted(), SLOW_SERVER_MS);
      },
      () => {
        this.fetching = false;
        this.markAttempted();
        if (!this.stopped) setTimeout(() => !this.stopped && this.connect(peerId, peerMetadata), this.retryInterval);
      },
    );
  }

  /**
   * A message for a socket that is not open (closing after the server dropped it, or still connecting) is
   * dropped, not thrown: automerge-repo sends its reply to a sync message from inside DocHandle.update, after
   * Automerge has already marked the previous document outdated, so a throw there leaves the handle on that
   * outdated document and every later change or sync of it throws. Nothing is lost: a new connection starts
   * a fresh sync. (Upstream makes the same change in automerge-repo#627, for #297.)
   */
  override send(message: Message): void {
    if (this.socket && this.socket.readyState !== OPEN) return;
    super.send(message);
  }

  override disconnect(): void {
    this.stopped = true;
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === socket.CONNECTING) {
      // Closing a socket that is still connecting throws in Node's `ws` (browsers allow it): close it once
      // it opens instead, and let a failed attempt end quietly.
      const close = socket.close.bind(socket);
      socket.close = () => socket.addEventListener('open', () => close());
      socket.addEventListener('error', () => undefined);
    }
    super.disconnect();
  }

  private markAttempted(): void {
    this.attempted = true;
    this.settle();
  }
}
