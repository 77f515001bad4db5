import { MAX_PROJECT_RUN_BYTES, utf8Length, type LanguageId, type RunFile } from '../../../../shared/protocol/runs.js';
import {
  LocalTerminalOpen,
  LocalTerminalServerMessage,
  MAX_LOCAL_TERMINAL_FILES,
  MAX_LOCAL_TERMINALS,
  type LocalTerminalClientMessage,
} from '../../../../shared/protocol/terminals.js';
import { messageOf } from './api-client.js';
import { splitInput, type TerminalConnectionEvents, type TerminalConnectionState, type TerminalLink } from './terminal-connection.js';

export interface LocalTerminalEvents extends TerminalConnectionEvents {
  /** The image is being built on this computer (first use of a language): what is happening, for the screen. */
  progress(message: string): void;
  /** The shell runs, in this language; output follows. */
  opened(language: LanguageId): void;
}

/** Where a terminal on this computer comes from: asked for when it connects, so the files are the latest. */
export interface LocalTerminalSource {
  /** ws://127.0.0.1:PORT/terminals?token=…, from the main process. */
  url(): Promise<string>;
  /** The project's files, from this device's own copies (no server needed). */
  files(): Promise<RunFile[]>;
  language?: LanguageId;
  /** The file the terminal is opened for. */
  entry?: string;
}

// The shell needs a size to start with; the screen sends its own before connecting.
const DEFAULT_SIZE = { cols: 80, rows: 24 };

export const LOCAL_TERMINAL_REFUSED = `Tandem could not connect to its terminal service on this computer (too many terminals open at once — at most ${MAX_LOCAL_TERMINALS} —, or the service restarted). Close a terminal you no longer need; if none is open, restart Tandem.`;

/**
 * Output is acknowledged once drawn, in batches: at this many bytes at once, else ACK_DELAY_MS after the first
 * unacknowledged byte, so the last bytes are never held back. The main process pauses a shell past 1 MiB
 * unacknowledged and resumes it below 256 KiB, so acks of at most 64 KiB always let it resume.
 */
export const ACK_BATCH_BYTES = 64 * 1024;
export const ACK_DELAY_MS = 100;

/** Close codes the main process hangs up with after an error that ended the shell (1008: bad message; 1011: it failed). */
const ERROR_CLOSE_CODES = new Set([1008, 1011]);

/**
 * The `open` message for a terminal on this computer, or an Error saying in words what is wrong (too many
 * files, too many bytes) before anything is sent.
 */
export function localTerminalOpenMessage(
  files: RunFile[],
  size: { cols: number; rows: number },
  options: { language?: LanguageId; entry?: string } = {},
): LocalTerminalOpen {
  if (files.length > MAX_LOCAL_TERMINAL_FILES) {
    throw new Error(`a terminal on this computer takes at most ${MAX_LOCAL_TERMINAL_FILES} files, and this project has ${files.length}.`);
  }
  const bytes = files.reduce((sum, file) => sum + utf8Length(file.content), 0);
  if (bytes > MAX_PROJECT_RUN_BYTES) {
    throw new Error(
      `a terminal on this computer takes at most ${MAX_PROJECT_RUN_BYTES / (1024 * 1024)} MiB of files, and this project has ${(bytes / (1024 * 1024)).toFixed(1)} MiB.`,
    );
  }
  const parsed = LocalTerminalOpen.safeParse({
    type: 'open',
    ...(options.language ? { language: options.language } : {}),
    ...(options.entry ? { entry: options.entry } : {}),
    files,
    ...size,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    throw new Error(`${issue?.message ?? 'the files cannot be sent to a terminal'}${where}`);
  }
  return parsed.data;
}

/**
 * A private terminal on this computer's Docker engine, over the main process's loopback WebSocket. One socket
 * is one shell: there is no reattaching, so a dropped socket means the shell is gone, and dispose() (closing
 * the socket) ends the shell. States: `connecting` (until the shell runs, image builds included), `open`,
 * `ended` (the shell exited: see the exit), `gone` (the connection dropped, taking the shell with it),
 * `failed` (it never started: see the detail).
 */
const MAX_EARLY_INPUT = 16 * 1024;

export class LocalTerminalConnection implements TerminalLink {
  private socket: WebSocket | undefined;
  private disposed = false;
  private finished = false;
  /** The server said `opened`: input and resizes go to the shell from now on. */
  private started = false;
  private size: { cols: number; rows: number } | undefined;
  /** The size the shell has (sent in `open`, then by resizes). */
  private sentSize: { cols: number; rows: number } | undefined;
  /** The last error the main process sent: the cause of a drop only if the socket then closes as errors close it. */
  private lastError: string | undefined;
  /** Output drawn but not yet acknowledged, and the timer that will acknowledge it. */
  private unacked = 0;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keys typed before the shell runs (an image may be building): sent, in order, once it does. */
  private early: string[] = [];
  private earlyLength = 0;

  constructor(
    private readonly source: LocalTerminalSource,
    private readonly events: LocalTerminalEvents,
    private sendsSize = true,
  ) {}

  connect(): void {
    this.events.state('connecting');
    void this.open();
  }

  /**
   * Keys typed before the shell runs wait for it (people type as soon as the tab appears); beyond
   * MAX_EARLY_INPUT, which only a paste reaches, the rest is dropped rather than held without bound.
   */
  input(data: string): void {
    if (!this.started) {
      const room = MAX_EARLY_INPUT - this.earlyLength;
      if (room <= 0) return;
      const kept = data.length <= room ? data : splitInput(data, room)[0]!;
      this.early.push(kept);
      this.earlyLength += kept.length;
      return;
    }
    for (const piece of splitInput(data)) this.send({ type: 'input', data: piece });
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.sendSize();
  }

  setSendsSize(sendsSize: boolean): void {
    this.sendsSize = sendsSize;
    this.sendSize();
  }

  /**
   * `bytes` of output have been drawn: acknowledged to the main process (batched), which holds the shell's
   * output back while too much is unacknowledged, so a page that falls behind is never flooded.
   */
  written(bytes: number): void {
    if (bytes <= 0 || this.finished || this.disposed) return;
    this.unacked += bytes;
    if (this.unacked >= ACK_BATCH_BYTES) this.ack();
    else this.ackTimer ??= setTimeout(() => this.ack(), ACK_DELAY_MS);
  }

  /** Hangs up, which ends the shell: a terminal on this computer lives exactly as long as its tab. */
  dispose(): void {
    this.disposed = true;
    this.stopAcks();
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'closed');
  }

  private sendSize(): void {
    const size = this.size;
    if (!this.started || !this.sendsSize || !size) return;
    if (this.sentSize?.cols === size.cols && this.sentSize.rows === size.rows) return;
    this.sentSize = size;
    this.send({ type: 'resize', ...size });
  }

  private ack(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const bytes = this.unacked;
    this.unacked = 0;
    if (bytes > 0) this.send({ type: 'ack', bytes });
  }

  private stopAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.unacked = 0;
  }

  private send(message: LocalTerminalClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private async open(): Promise<void> {
    let files: RunFile[];
    let url: string;
    try {
      files = await this.source.files();
      // Checked before connecting: a project too big for a terminal says so without a round trip.
      localTerminalOpenMessage(files, this.size ?? DEFAULT_SIZE, this.source);
    } catch (error) {
      if (!this.disposed) this.finish('failed', `The terminal could not start: ${sentence(messageOf(error))}`);
      return;
    }
    try {
      url = await this.source.url();
    } catch (error) {
      if (!this.disposed)
        this.finish(
          'failed',
          `Tandem could not start a terminal on this computer: ${sentence(messageOf(error))} Restart Tandem if it keeps happening.`,
        );
      return;
    }
    if (this.disposed) return;
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let connected = false;
    // Nothing to do here: the close that always follows says what happened.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      connected = true;
      const size = this.size ?? DEFAULT_SIZE;
      this.sentSize = size;
      let message: LocalTerminalOpen;
      try {
        // The size it was checked with may be stale by now; the files are the ones checked above.
        message = localTerminalOpenMessage(files, size, this.source);
      } catch (error) {
        this.finish('failed', `The terminal could not start: ${sentence(messageOf(error))}`);
        return;
      }
      socket.send(JSON.stringify(message satisfies LocalTerminalClientMessage));
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (this.socket !== socket || this.finished) return;
      if (event.data instanceof ArrayBuffer) {
        // Output after an error means the shell outlived it: it is not why a later drop happens.
        this.lastError = undefined;
        this.events.data(new Uint8Array(event.data));
        return;
      }
      const parsed = LocalTerminalServerMessage.safeParse(safeJson(event.data));
      if (!parsed.success) {
        this.events.error(
          'bad_response',
          'Tandem sent a terminal message this window does not understand. Restart Tandem, or reinstall it.',
        );
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'progress':
          this.events.progress(message.message);
          break;
        case 'opened':
          this.started = true;
          this.events.opened(message.language);
          this.events.state('open');
          this.sendSize();
          this.input(this.early.splice(0).join(''));
          this.earlyLength = 0;
          break;
        case 'exit':
          this.events.exit(message);
          this.finish('ended');
          break;
        case 'error':
          this.lastError = message.message;
          // Before `opened` the shell did not start; after it, a refusal leaves the shell going.
          if (this.started) this.events.error(message.code, message.message);
          else this.finish('failed', `The terminal on this computer could not start: ${sentence(message.message)}`);
          break;
      }
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.disposed || this.finished) return;
      const reason = event.reason ? ` (${event.reason})` : '';
      // A refusal the shell outlived (input dropped while busy) is not why the connection went later.
      const cause = this.lastError !== undefined && ERROR_CLOSE_CODES.has(event.code) ? this.lastError : undefined;
      // The main process refuses at the upgrade (401, 403, 503), which a page sees only as a close before open.
      if (!connected) this.finish('failed', LOCAL_TERMINAL_REFUSED);
      else if (!this.started)
        this.finish(
          'failed',
          `The terminal on this computer stopped before its shell started: the connection to Tandem closed${reason}. Open a new one.`,
        );
      else
        this.finish(
          'gone',
          `The terminal on this computer stopped: ${cause ? sentence(cause) : `the connection to Tandem closed${reason}.`} Open a new one.`,
        );
    });
  }

  private finish(state: TerminalConnectionState, detail?: string): void {
    this.finished = true;
    this.stopAcks();
    this.events.state(state, detail);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'finished');
  }
}

/** A message from elsewhere, ready to be followed by another sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function safeJson(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
