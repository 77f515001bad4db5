import { socketPaths } from '../../../../shared/protocol/routes.js';
import { TerminalServerMessage, type TerminalClientMessage } from '../../../../shared/protocol/terminals.js';
import { WsCloseCode } from '../../../../shared/protocol/websocket.js';
import { ApiError, type ApiClient } from './api-client.js';

export type TerminalExit = Extract<TerminalServerMessage, { type: 'exit' }>;

/**
 * `connecting` (first attempt), `open`, `reconnecting` (the socket dropped; retrying with backoff),
 * `ended` (the shell exited: see the exit), `gone` (no such terminal, or no access any more), `failed`
 * (signed out: retrying cannot help).
 */
export type TerminalConnectionState = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'gone' | 'failed';

export interface TerminalConnectionEvents {
  /** Raw terminal bytes, for xterm's write(). */
  data(bytes: Uint8Array): void;
  /** A new socket is about to replay the recent scrollback: clear the screen so it is not shown twice. */
  reset(): void;
  state(state: TerminalConnectionState, detail?: string): void;
  exit(exit: TerminalExit): void;
  /** The server refused something but the terminal goes on (e.g. `forbidden` input from a viewer). */
  error(code: string, message: string): void;
}

/**
 * What a terminal screen drives, whichever terminal it shows: a cloud terminal (TerminalConnection) or one on
 * this computer's Docker engine (LocalTerminalConnection). Events go to the TerminalConnectionEvents given
 * when it was made.
 */
export interface TerminalLink {
  /** Starts connecting; call once, after the first resize() so the shell starts at the screen's size. */
  connect(): void;
  /** Keys typed (or pasted): sent in order, in pieces small enough for one message each. */
  input(data: string): void;
  resize(cols: number, rows: number): void;
  /** Whether this screen's size is the shell's (only a shared terminal's opener resizes it). */
  setSendsSize(sendsSize: boolean): void;
  /**
   * `bytes` of output have been drawn on the screen. A terminal on this computer acknowledges them (its shell
   * pauses while too much output is unacknowledged); a cloud terminal has no use for it.
   */
  written?(bytes: number): void;
  /** Hangs up: a cloud terminal goes on for everyone else, a local one ends. */
  dispose(): void;
}

// A message carries at most 64 KiB of input; a bigger paste goes in pieces, in order.
const INPUT_CHUNK = 16 * 1024;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/**
 * One client's attachment to a terminal over WS /api/terminals/:id. Every connection attempt gets a fresh
 * single-use ticket; a dropped socket is retried with backoff until the shell ends, the terminal is gone,
 * or dispose() is called. The last size asked for is sent again on every (re)connection.
 */
export class TerminalConnection implements TerminalLink {
  private socket: WebSocket | undefined;
  private disposed = false;
  private finished = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private size: { cols: number; rows: number } | undefined;
  private everOpened = false;

  constructor(
    private readonly api: ApiClient,
    private readonly terminalId: string,
    private readonly events: TerminalConnectionEvents,
    /** False for a viewer: no resize is sent (the server would refuse it anyway). */
    private sendsSize = true,
  ) {}

  connect(): void {
    this.events.state(this.everOpened ? 'reconnecting' : 'connecting');
    void this.open();
  }

  input(data: string): void {
    for (const piece of splitInput(data)) this.send({ type: 'input', data: piece });
  }

  resize(cols: number, rows: number): void {
    if (this.size?.cols === cols && this.size.rows === rows) return;
    this.size = { cols, rows };
    if (this.sendsSize) this.send({ type: 'resize', cols, rows });
  }

  setSendsSize(sendsSize: boolean): void {
    this.sendsSize = sendsSize;
    if (sendsSize && this.size) this.send({ type: 'resize', ...this.size });
  }

  /** Detaches; the terminal itself goes on for everyone else. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'detached');
  }

  private send(message: TerminalClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private async open(): Promise<void> {
    let url: string;
    try {
      url = await this.api.socketUrl(socketPaths.terminal.replace(':id', encodeURIComponent(this.terminalId)));
    } catch (error) {
      if (this.disposed) return;
      if (error instanceof ApiError && error.status === 401) {
        this.finish('failed', error.message);
        return;
      }
      this.retry();
      return;
    }
    if (this.disposed) return;
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let replayed = false;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.everOpened = true;
      this.events.state('open');
      if (this.size && this.sendsSize) this.send({ type: 'resize', ...this.size });
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (this.socket !== socket) return;
      if (event.data instanceof ArrayBuffer) {
        // The first frame of a reattached socket is the scrollback, which the screen already shows.
        if (!replayed) {
          replayed = true;
          this.events.reset();
        }
        this.events.data(new Uint8Array(event.data));
        return;
      }
      replayed = true;
      const parsed = TerminalServerMessage.safeParse(safeJson(event.data));
      if (!parsed.success) {
        this.events.error('bad_response', 'The server sent a terminal message this app does not understand. Update Tandem.');
        return;
      }
      const message = parsed.data;
      if (message.type === 'exit') {
        this.finished = true;
        this.events.exit(message);
        this.finish('ended');
      } else {
        this.events.error(message.code, message.message);
      }
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.disposed || this.finished) return;
      if (event.code === WsCloseCode.notFound) this.finish('gone', 'This terminal has ended, or you no longer have access to it.');
      else if (event.code === WsCloseCode.sessionEnded) this.finish('failed', 'You were signed out. Sign in again to use terminals.');
      else this.retry();
    });
  }

  private retry(): void {
    if (this.disposed || this.finished) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.events.state('reconnecting');
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private finish(state: TerminalConnectionState, detail?: string): void {
    this.finished = true;
    clearTimeout(this.retryTimer);
    this.events.state(state, detail);
  }
}

/**
 * `data` in pieces of at most `size` UTF-16 code units, never cut inside a surrogate pair: a half pair would
 * reach the shell as two replacement characters instead of the emoji pasted.
 */
export function splitInput(data: string, size = INPUT_CHUNK): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < data.length;) {
    let end = Math.min(at + size, data.length);
    const code = data.charCodeAt(end - 1);
    if (end < data.length && end - at > 1 && code >= 0xd800 && code <= 0xdbff) end--;
    pieces.push(data.slice(at, end));
    at = end;
  }
  return pieces;
}

function safeJson(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
