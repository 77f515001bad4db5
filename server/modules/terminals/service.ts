import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { CreateTerminalRequest, TerminalServerMessage } from '../../../shared/protocol/terminals.js';
import { WsCloseCode } from '../../../shared/protocol/websocket.js';
import type { SandboxDriver, TerminalHandle } from '../../../shared/sandbox/driver.js';
import type { ImageProvisioner } from '../../../shared/sandbox/images.js';
import { findLanguage } from '../../../shared/sandbox/languages.js';
import type { Config } from '../../config.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { Principal } from '../auth/service.js';

const SCROLLBACK_BYTES = 64 * 1024;
// Output stops being read while any client has this much unsent; reading resumes below the low mark.
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** A client that has not caught up after this long is disconnected (it can reconnect and get the scrollback). */
const STALLED_CLIENT_MS = 5000;

type ExitReason = Extract<TerminalServerMessage, { type: 'exit' }>['reason'];

/** One shell in one sandbox, shared by every connection attached to it (pair programming). */
class TerminalSession {
  readonly clients = new Set<WebSocket>();
  private scrollback: Buffer[] = [];
  private scrollbackBytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private exitReason: ExitReason = 'exited';
  ended = false;

  constructor(
    readonly id: string,
    readonly ownerId: string,
    private readonly handle: TerminalHandle,
    private readonly idleMs: number,
    private readonly onEnded: (session: TerminalSession) => void,
  ) {
    handle.onData((data) => this.output(data));
    handle.onExit((exitCode) => this.exited(exitCode));
    this.touch();
  }

  attach(socket: WebSocket): void {
    this.touch();
    this.clients.add(socket);
    // A client that (re)connects sees what happened recently first.
    if (this.scrollbackBytes) socket.send(Buffer.concat(this.scrollback), { binary: true });
    socket.on('close', () => this.clients.delete(socket));
  }

  /** False when the shell has not read earlier input yet. */
  input(data: string): boolean {
    this.touch();
    return this.handle.write(data);
  }

  resize(cols: number, rows: number): Promise<void> {
    this.touch();
    return this.handle.resize(cols, rows);
  }

  async end(reason: ExitReason): Promise<void> {
    if (this.ended) return;
    this.exitReason = reason;
    await this.handle.close();
  }

  // Output does not count as activity: a background loop must not keep an abandoned terminal alive.
  private output(data: Buffer): void {
    this.scrollback.push(data);
    this.scrollbackBytes += data.length;
    while (this.scrollbackBytes > SCROLLBACK_BYTES && this.scrollback.length > 1) this.scrollbackBytes -= this.scrollback.shift()!.length;
    for (const client of this.clients) if (client.readyState === client.OPEN) client.send(data, { binary: true });
    if (!this.paused && [...this.clients].some((client) => client.bufferedAmount > HIGH_WATER)) {
      this.paused = true;
      this.handle.pause();
      const pausedAt = Date.now();
      const check = setInterval(() => {
        if (Date.now() - pausedAt > STALLED_CLIENT_MS) {
          for (const client of this.clients) if (client.bufferedAmount >= LOW_WATER) client.terminate();
        }
        if (this.ended || [...this.clients].every((client) => client.bufferedAmount < LOW_WATER)) {
          clearInterval(check);
          this.paused = false;
          this.handle.resume();
        }
      }, 5);
    }
  }

  private exited(exitCode: number | null): void {
    this.ended = true;
    clearTimeout(this.idleTimer);
    const message: TerminalServerMessage = { type: 'exit', exitCode, reason: this.exitReason };
    for (const client of this.clients) {
      if (client.readyState === client.OPEN) {
        client.send(JSON.stringify(message));
        client.close(1000, 'terminal ended');
      }
    }
    this.onEnded(this);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.end('idle'), this.idleMs);
    this.idleTimer.unref();
  }
}

/** Interactive shells in sandboxes: created over HTTP, used over WebSockets, ended by exit, idleness or delete. */
export class TerminalService {
  private readonly sessions = new Map<string, TerminalSession>();
  /** Terminals being created, per user: counted at once, so parallel requests cannot pass the limit together. */
  private readonly creating = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly deps: { driver: SandboxDriver; images: ImageProvisioner; sandbox: Config['sandbox']; logger: Logger }) {}

  async create(principal: Principal, request: CreateTerminalRequest): Promise<string> {
    if (this.closing) throw new AppError('unavailable', 'The server is shutting down; open a terminal again in a moment.');
    const open = [...this.sessions.values()].filter((session) => session.ownerId === principal.userId).length;
    const mine = open + (this.creating.get(principal.userId) ?? 0);
    if (mine >= this.deps.sandbox.terminalsPerUser) {
      throw new AppError(
        'rate_limited',
        `You already have ${mine} terminals open, the most at once. Close one first (DELETE /api/terminals/:id).`,
      );
    }
    this.creating.set(principal.userId, (this.creating.get(principal.userId) ?? 0) + 1);
    const creation = this.open(principal, request);
    this.pending.add(creation);
    try {
      return await creation;
    } finally {
      this.pending.delete(creation);
      const left = (this.creating.get(principal.userId) ?? 1) - 1;
      if (left > 0) this.creating.set(principal.userId, left);
      else this.creating.delete(principal.userId);
    }
  }

  private async open(principal: Principal, request: CreateTerminalRequest): Promise<string> {
    const language = findLanguage(request.language ?? 'bash')!;
    const availability = await this.deps.driver.available();
    if (!availability.ok) throw new AppError('unavailable', `Terminals cannot open right now: ${availability.reason}`);
    await this.deps.images
      .ensure(language.image, (message) => this.deps.logger.info({ image: language.image }, message))
      .catch((error: unknown) => {
        throw new AppError('unavailable', error instanceof Error ? error.message : String(error));
      });
    const { defaults, pids, diskMb, terminalNetwork, terminalIdleMs } = this.deps.sandbox;
    const handle = await this.deps.driver
      .openTerminal({
        language,
        limits: { memoryMb: defaults.memoryMb, cpus: defaults.cpus, pids, diskMb },
        network: terminalNetwork,
        cols: request.cols ?? 80,
        rows: request.rows ?? 24,
      })
      .catch((error: unknown) => {
        throw new AppError('unavailable', error instanceof Error ? error.message : String(error));
      });
    const id = randomUUID();
    this.sessions.set(id, new TerminalSession(id, principal.userId, handle, terminalIdleMs, (session) => this.sessions.delete(session.id)));
    return id;
  }

  /** The terminal, if it exists and the caller may use it; otherwise the socket is closed as not found. */
  attach(principal: Principal, id: string, socket: WebSocket): TerminalSession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.ended || (session.ownerId !== principal.userId && principal.role !== 'admin')) {
      socket.close(WsCloseCode.notFound, 'no such terminal');
      return undefined;
    }
    session.attach(socket);
    return session;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session || (session.ownerId !== principal.userId && principal.role !== 'admin')) {
      throw new AppError('not_found', `There is no terminal ${id} of yours.`);
    }
    await session.end('deleted');
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.pending]);
    await Promise.all([...this.sessions.values()].map((session) => session.end('shutdown')));
  }
}
