import type { RawData, WebSocket } from 'ws';
import type { ZodError } from 'zod';
import { languageForPath } from '../../../shared/protocol/files.js';
import { MAX_PROJECT_RUN_BYTES, utf8Length } from '../../../shared/protocol/runs.js';
import {
  LocalTerminalClientMessage,
  type LocalTerminalOpen,
  type LocalTerminalServerMessage,
  type TerminalClientMessage,
} from '../../../shared/protocol/terminals.js';
import type { SandboxDriver, TerminalHandle, TerminalSpec } from '../../../shared/sandbox/driver.js';
import type { ImageProvisioner } from '../../../shared/sandbox/images.js';
import { findLanguage, type LanguageDefinition } from '../../../shared/sandbox/languages.js';
import { checkWorkspacePaths, LocalSandboxError, toLocalSandboxError } from './local-sandbox-error.js';

// Output stops being read while the page has this much not yet drawn (sent minus acknowledged), or unsent;
// reading resumes below the low mark.
export const HIGH_WATER = 1024 * 1024;
export const LOW_WATER = 256 * 1024;
/** A page whose output has waited this long for its acknowledgements is noted in the log (once); it stays open. */
export const ACK_STALL_MS = 30_000;
/** The page sends `open` at once; a socket that says nothing must not hold one of the few terminal slots. */
const OPEN_WAIT_MS = 15_000;
/** Input and resizes sent while the sandbox starts are applied once it runs, up to this many. */
const MAX_EARLY_MESSAGES = 256;
/** A page that does not answer our close is cut off after this, so quitting the app never waits on it. */
const CLOSE_GRACE_MS = 2000;

type ExitReason = Extract<LocalTerminalServerMessage, { type: 'exit' }>['reason'];
type Input = TerminalClientMessage;
const STOPPED = Symbol('stopped');

/** The engine a terminal opens on, answering now. */
export interface LocalTerminalEngine {
  driver: SandboxDriver;
  images: ImageProvisioner;
}

export interface LocalTerminalSessionOptions {
  /**
   * Rejects with a LocalSandboxError saying what to do when no engine answers (or the app is quitting). Left
   * to settle on its own when the socket closes or the app quits first.
   */
  engine(): Promise<LocalTerminalEngine>;
  limits: TerminalSpec['limits'];
  log(message: string, error?: unknown): void;
  /** How long output may wait for acks before the log says so (ACK_STALL_MS). */
  ackStallMs?: number;
}

/**
 * One socket of ws://127.0.0.1:PORT/terminals (shared/protocol/terminals.ts): one private shell in a sandbox on
 * this computer. The first message opens it with the page's own copies of the files; output goes out as
 * binary frames, paced by what the page acknowledges having drawn; the shell ends when either side closes, or
 * the app quits.
 */
export class LocalTerminalSession {
  private state: 'waiting' | 'opening' | 'open' | 'ended' = 'waiting';
  private handle: TerminalHandle | undefined;
  private readonly early: Input[] = [];
  /** Set by shutdown(): the app is quitting. */
  private reason: ExitReason = 'exited';
  private socketClosed = false;
  /** Output bytes sent, and how many of them the page has acknowledged. */
  private sent = 0;
  private acked = 0;
  /** Why output is not read: too much unacknowledged, or too much unsent; the handle is paused while either holds. */
  private ackPaused = false;
  private bufferPaused = false;
  private handlePaused = false;
  private bufferCheck: NodeJS.Timeout | undefined;
  private ackStall: NodeJS.Timeout | undefined;
  private stallLogged = false;
  private readonly openTimer: NodeJS.Timeout;
  private stop!: (stopped: typeof STOPPED) => void;
  /** Settles when the socket closes or the app quits: whatever the open still awaits is abandoned then. */
  private readonly stopping = new Promise<typeof STOPPED>((resolve) => (this.stop = resolve));
  private release!: () => void;
  /**
   * Settles once the socket has closed or the session ended, whichever is first: the terminal no longer counts
   * against the cap, though its sandbox may still be on its way out (`ended`).
   */
  readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private settle!: () => void;
  /**
   * Settles once the shell has ended and its sandbox is on its way out (the driver's close() waits for the rest),
   * or, for one still opening, once no sandbox will be created for it. An image build it waited for may go on.
   */
  readonly ended = new Promise<void>((resolve) => (this.settle = resolve));

  private get stallMs(): number {
    return this.options.ackStallMs ?? ACK_STALL_MS;
  }

  constructor(
    private readonly socket: WebSocket,
    private readonly options: LocalTerminalSessionOptions,
  ) {
    this.openTimer = setTimeout(
      () => this.refuse(new LocalSandboxError('bad_request', `Send {type:"open", files, cols, rows} within ${OPEN_WAIT_MS / 1000} s.`)),
      OPEN_WAIT_MS,
    );
    socket.on('message', (raw: RawData, isBinary: boolean) => this.receive(isBinary ? undefined : rawText(raw)));
    socket.on('close', () => this.socketGone());
  }

  /** The app quits: the page hears `exit` with reason `shutdown`, and the sandbox goes. */
  shutdown(): Promise<void> {
    this.reason = 'shutdown';
    this.stop(STOPPED);
    const { state } = this;
    if (state === 'open') void this.handle!.close();
    else if (state !== 'ended') {
      // A sandbox still starting is closed by open() as soon as it exists; the page need not wait for it.
      this.exit(null);
      if (state === 'waiting') this.finish();
    }
    return this.ended;
  }

  private receive(text: string | undefined): void {
    const parsed = text === undefined ? undefined : LocalTerminalClientMessage.safeParse(safeJson(text));
    if (this.state === 'waiting') {
      if (parsed?.success && parsed.data.type === 'open') void this.open(parsed.data);
      else this.refuse(new LocalSandboxError('bad_request', firstMessageProblem(parsed?.error)));
      return;
    }
    if (this.state === 'ended') return;
    if (!parsed?.success) {
      this.send({
        type: 'error',
        code: 'bad_request',
        message: 'Send {type:"input", data}, {type:"resize", cols, rows} or {type:"ack", bytes}.',
      });
    } else if (parsed.data.type === 'ack') this.acknowledge(parsed.data.bytes);
    else if (parsed.data.type === 'open') {
      this.send({
        type: 'error',
        code: 'conflict',
        message: 'This terminal is already open: one socket is one shell. Open another socket for another terminal.',
      });
    } else if (this.state === 'open') this.apply(parsed.data);
    else if (this.early.length < MAX_EARLY_MESSAGES) this.early.push(parsed.data);
    else
      this.send({ type: 'error', code: 'busy', message: 'The terminal is still starting; this input was dropped. Wait for it to open.' });
  }

  private async open(request: LocalTerminalOpen): Promise<void> {
    clearTimeout(this.openTimer);
    this.state = 'opening';
    let handle: TerminalHandle;
    let language: LanguageDefinition;
    try {
      language = languageOf(request);
      checkWorkspacePaths(request.files);
      const bytes = request.files.reduce((sum, file) => sum + utf8Length(file.content), 0);
      if (bytes > MAX_PROJECT_RUN_BYTES) {
        throw new LocalSandboxError(
          'payload_too_large',
          `The files are ${bytes} bytes; a terminal's workspace takes at most ${MAX_PROJECT_RUN_BYTES} bytes. Open it with fewer or smaller files.`,
        );
      }
      // A socket that closes (or an app that quits) while the engine is looked up or an image builds does not
      // wait for either: the build may finish in the background, but no sandbox is created for it.
      const engine = await this.unlessStopped(this.options.engine());
      if (engine === STOPPED || this.stopped()) return this.finish();
      const { driver, images } = engine;
      // The first terminal of a language builds its image on this computer, which takes minutes: say so meanwhile.
      const built = await this.unlessStopped(
        images
          .ensure(language.image, (message) => this.send({ type: 'progress', message }))
          .catch((error: unknown) => {
            throw new LocalSandboxError('unavailable', error instanceof Error ? error.message : String(error));
          }),
      );
      if (built === STOPPED || this.stopped()) return this.finish();
      // Not abandoned once started: the container it creates must be removed before the session ends.
      handle = await driver.openTerminal({
        language,
        files: request.files,
        limits: this.options.limits,
        // Unlike the server's terminals, this sandbox runs on the user's own computer with the user's own
        // network: shutting it out protects no one else, and `pip install` or `npm install` should just work.
        network: true,
        cols: request.cols,
        rows: request.rows,
      });
    } catch (error) {
      return this.refuse(error);
    }
    this.handle = handle;
    handle.onExit((exitCode) => {
      this.exit(exitCode);
      this.finish();
    });
    if (this.stopped()) {
      // The socket closed (or the app quits) while the sandbox started: it goes at once.
      await handle.close();
      return this.finish();
    }
    this.state = 'open';
    this.send({ type: 'opened', language: language.id });
    // Registered after `opened`, so the page knows the shell runs before its first bytes; nothing is read before.
    handle.onData((data) => this.output(data));
    for (const message of this.early.splice(0)) this.apply(message);
  }

  private apply(message: Input): void {
    const handle = this.handle!;
    if (message.type === 'resize') {
      handle.resize(message.cols, message.rows).catch((error: unknown) => this.options.log('a local terminal could not resize', error));
    } else if (!handle.write(message.data)) {
      this.send({ type: 'error', code: 'busy', message: 'The shell is not reading its input yet; this input was dropped.' });
    }
  }

  private output(data: Buffer): void {
    const { socket } = this;
    // What a stream resumed by finish() still held goes nowhere, and pauses nothing again.
    if (this.state !== 'open' || socket.readyState !== socket.OPEN) return;
    socket.send(data, { binary: true });
    this.sent += data.length;
    // On loopback the socket drains at once into the renderer, where xterm may still fall behind: what counts
    // is what the page says it has drawn.
    if (!this.ackPaused && this.sent - this.acked > HIGH_WATER) {
      this.ackPaused = true;
      this.ackStall = setTimeout(() => this.noteStall(), this.stallMs);
      this.flow();
    }
    // A page that stops reading its socket at all is held back by what is still unsent.
    if (!this.bufferPaused && socket.bufferedAmount > HIGH_WATER) {
      this.bufferPaused = true;
      this.flow();
      // ws has no drain event: look at what is still unsent until the page has caught up.
      this.bufferCheck = setInterval(() => {
        if (this.state === 'open' && socket.readyState === socket.OPEN && socket.bufferedAmount >= LOW_WATER) return;
        clearInterval(this.bufferCheck);
        this.bufferPaused = false;
        this.flow();
      }, 5);
    }
  }

  private acknowledge(bytes: number): void {
    // A page cannot have drawn more than it was sent: the rest of an ack is ignored, so no credit builds up.
    this.acked = Math.min(this.acked + bytes, this.sent);
    if (!this.ackPaused || this.sent - this.acked >= LOW_WATER) return;
    this.ackPaused = false;
    clearTimeout(this.ackStall);
    this.flow();
  }

  /** Output stays paused (the page may be busy, or broken): a note for whoever reads the log, once per terminal. */
  private noteStall(): void {
    if (this.stallLogged || !this.ackPaused || this.state !== 'open') return;
    this.stallLogged = true;
    this.options.log(
      `a local terminal's page has not acknowledged ${this.sent - this.acked} bytes of output for ${this.stallMs / 1000} s; ` +
        'its shell stays paused until it does',
    );
  }

  /** Pauses or resumes reading the shell's output to match the reasons that hold now. */
  private flow(): void {
    const pause = this.ackPaused || this.bufferPaused;
    if (pause === this.handlePaused || this.state !== 'open') return;
    this.handlePaused = pause;
    if (pause) this.handle!.pause();
    else this.handle!.resume();
  }

  private stopped(): boolean {
    return this.socketClosed || this.reason === 'shutdown';
  }

  /** The value of `work`, or STOPPED as soon as the socket closes or the app quits, whichever comes first. */
  private unlessStopped<T>(work: Promise<T>): Promise<T | typeof STOPPED> {
    // Promise.race handles a rejection of the abandoned work, so it is not reported as unhandled.
    return Promise.race([work, this.stopping]);
  }

  private socketGone(): void {
    this.socketClosed = true;
    clearTimeout(this.openTimer);
    // The slot is free at once, even while the sandbox still starts (open() removes it as soon as it exists).
    this.release();
    this.stop(STOPPED);
    if (this.state === 'open') void this.handle!.close();
    else if (this.state === 'waiting') this.finish();
  }

  /** The shell ended (or never will): tells the page why, once, and hangs up. */
  private exit(exitCode: number | null): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.send({ type: 'exit', exitCode, reason: this.reason });
    this.hangUp(this.reason === 'shutdown' ? 1001 : 1000, this.reason === 'shutdown' ? 'Tandem is quitting' : 'the shell ended');
  }

  /** The open failed or the first message was unusable: the error, then the socket closes. */
  private refuse(error: unknown): void {
    const known = toLocalSandboxError(error);
    if (!(known instanceof LocalSandboxError)) this.options.log('a local terminal failed', error);
    const code = known instanceof LocalSandboxError ? known.code : 'internal';
    const message =
      known instanceof LocalSandboxError ? known.message : `The terminal failed: ${error instanceof Error ? error.message : String(error)}`;
    if (this.state !== 'ended') {
      this.state = 'ended';
      this.send({ type: 'error', code, message });
      // 1008: the page sent something we cannot use; 1011: this computer could not open the shell.
      this.hangUp(['unavailable', 'internal'].includes(code) ? 1011 : 1008, code);
    }
    this.finish();
  }

  private finish(): void {
    clearTimeout(this.openTimer);
    clearTimeout(this.ackStall);
    clearInterval(this.bufferCheck);
    this.state = 'ended';
    // A handle paused for the page would never read the end of its stream, holding its connection to the engine
    // (and what it buffered) for the app's life; flow() no longer acts once the session has ended.
    if (this.handlePaused) {
      this.handlePaused = false;
      this.handle!.resume();
    }
    this.release();
    this.settle();
  }

  private send(message: LocalTerminalServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private hangUp(code: number, reason: string): void {
    const { socket } = this;
    if (socket.readyState !== socket.OPEN) return;
    socket.close(code, reason);
    const cutOff = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once('close', () => clearTimeout(cutOff));
  }
}

/**
 * The language asked for, else the one `entry`'s extension names if Tandem runs it, else bash — the server's
 * rule (server/modules/terminals/service.ts), which desktop/main may not import.
 */
function languageOf(request: LocalTerminalOpen): LanguageDefinition {
  if (request.language) return findLanguage(request.language)!;
  const fromEntry = request.entry === undefined ? undefined : findLanguage(languageForPath(request.entry));
  return fromEntry ?? findLanguage('bash')!;
}

function firstMessageProblem(error: ZodError | undefined): string {
  const expected = 'The first message opens the terminal: {type:"open", files, cols, rows} (with "language" or "entry" if you like).';
  const issue = error?.issues[0];
  // An `open` with a bad field says which; anything else gets what is expected.
  if (!issue || issue.path.length === 0 || issue.path[0] === 'type') return expected;
  return `${expected} This one is wrong at "${issue.path.join('.')}": ${issue.message}`;
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw as ArrayBuffer).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
