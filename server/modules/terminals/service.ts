import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { languageForPath } from '../../../shared/protocol/files.js';
import type { ProjectRole } from '../../../shared/protocol/projects.js';
import { MAX_PROJECT_RUN_BYTES, utf8Length, type RunFile } from '../../../shared/protocol/runs.js';
import type { CreateTerminalRequest, ProjectTerminal, TerminalServerMessage } from '../../../shared/protocol/terminals.js';
import { WsCloseCode } from '../../../shared/protocol/websocket.js';
import type { SandboxDriver, TerminalHandle } from '../../../shared/sandbox/driver.js';
import type { ImageProvisioner } from '../../../shared/sandbox/images.js';
import { findLanguage, type LanguageDefinition } from '../../../shared/sandbox/languages.js';
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
/** How stale a project member's role may be: a lowered or removed member loses their access within this. */
const ROLE_TTL_MS = 1000;

type ExitReason = Extract<TerminalServerMessage, { type: 'exit' }>['reason'];

/** `type`: input and resize; `watch`: output only; `none`: not a member (any more). */
type Access = 'type' | 'watch' | 'none';

const accessOf = (role: ProjectRole | null): Access => (role === null ? 'none' : role === 'viewer' ? 'watch' : 'type');

export type ClientResult = 'ok' | 'busy' | 'forbidden' | 'gone';

/** The project a project terminal belongs to: its files, and who may use it. */
export interface TerminalProjects {
  /** The project's current files, if the caller is a member (a 404 AppError otherwise). */
  files(principal: Principal, projectId: string): Promise<RunFile[]>;
  roleOf(projectId: string, userId: string): Promise<ProjectRole | null>;
}

/**
 * One connection to a terminal. On a project terminal what it may do follows the member's role, looked up
 * again once it is older than ROLE_TTL_MS, so nobody keeps typing on the strength of a role they lost.
 */
export class TerminalClient {
  private checkedAt = Date.now();
  private checking: Promise<Access> | undefined;

  constructor(
    readonly socket: WebSocket,
    private readonly session: TerminalSession,
    private access: Access,
    private readonly lookup?: () => Promise<Access>,
  ) {}

  /** Rejects when the role could not be looked up; a removed member's socket is closed as not found. */
  current(): Promise<Access> {
    if (!this.lookup || Date.now() - this.checkedAt < ROLE_TTL_MS) return Promise.resolve(this.access);
    this.checking ??= this.lookup()
      .then((access) => {
        this.access = access;
        this.checkedAt = Date.now();
        if (access === 'none') this.socket.close(WsCloseCode.notFound, 'no such terminal');
        return access;
      })
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  async input(data: string): Promise<ClientResult> {
    const access = await this.current();
    if (access !== 'type') return access === 'none' ? 'gone' : 'forbidden';
    return this.session.input(data) ? 'ok' : 'busy';
  }

  async resize(cols: number, rows: number): Promise<ClientResult> {
    const access = await this.current();
    if (access !== 'type') return access === 'none' ? 'gone' : 'forbidden';
    await this.session.resize(cols, rows);
    return 'ok';
  }
}

/** One shell in one sandbox, shared by every connection attached to it (pair programming). */
class TerminalSession {
  readonly clients = new Set<TerminalClient>();
  private scrollback: Buffer[] = [];
  private scrollbackBytes = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private exitReason: ExitReason = 'exited';
  ended = false;

  readonly createdAt = new Date();

  constructor(
    readonly id: string,
    readonly owner: { userId: string; username: string },
    /** Set for a project's terminal, which every member of the project may watch. */
    readonly projectId: string | undefined,
    readonly language: LanguageDefinition['id'],
    readonly entry: string | undefined,
    private readonly handle: TerminalHandle,
    private readonly idleMs: number,
    private readonly onEnded: (session: TerminalSession) => void,
  ) {
    handle.onData((data) => this.output(data));
    handle.onExit((exitCode) => this.exited(exitCode));
    this.touch();
  }

  get ownerId(): string {
    return this.owner.userId;
  }

  describe(): ProjectTerminal {
    return {
      terminalId: this.id,
      owner: { ...this.owner },
      language: this.language,
      entry: this.entry ?? null,
      createdAt: this.createdAt.toISOString(),
      attached: this.clients.size,
    };
  }

  attach(client: TerminalClient): void {
    this.touch();
    this.clients.add(client);
    // A client that (re)connects sees what happened recently first.
    if (this.scrollbackBytes) client.socket.send(Buffer.concat(this.scrollback), { binary: true });
    client.socket.on('close', () => this.clients.delete(client));
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
    for (const { socket } of this.clients) if (socket.readyState === socket.OPEN) socket.send(data, { binary: true });
    // A member who only watches sends nothing that would look their role up again; output does it instead.
    for (const client of this.clients) void client.current().catch(() => undefined);
    const sockets = () => [...this.clients].map((client) => client.socket);
    if (!this.paused && sockets().some((socket) => socket.bufferedAmount > HIGH_WATER)) {
      this.paused = true;
      this.handle.pause();
      const pausedAt = Date.now();
      const check = setInterval(() => {
        if (Date.now() - pausedAt > STALLED_CLIENT_MS) {
          for (const socket of sockets()) if (socket.bufferedAmount >= LOW_WATER) socket.terminate();
        }
        if (this.ended || sockets().every((socket) => socket.bufferedAmount < LOW_WATER)) {
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
    for (const { socket } of this.clients) {
      if (socket.readyState === socket.OPEN) {
        socket.send(JSON.stringify(message));
        socket.close(1000, 'terminal ended');
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

  constructor(
    private readonly deps: {
      driver: SandboxDriver;
      images: ImageProvisioner;
      sandbox: Config['sandbox'];
      logger: Logger;
      project: TerminalProjects;
    },
  ) {}

  async create(principal: Principal, request: CreateTerminalRequest): Promise<string> {
    if (this.closing) throw new AppError('unavailable', 'The server is shutting down; open a terminal again in a moment.');
    if (request.projectId !== undefined) {
      const role = await this.deps.project.roleOf(request.projectId, principal.userId);
      if (role === null) throw new AppError('not_found', `There is no project ${request.projectId} that you are a member of.`);
      if (role === 'viewer') {
        throw new AppError('forbidden', 'You can view this project but not open terminals in it: ask an owner to make you an editor.');
      }
    }
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
    const language = languageOf(request);
    const files = request.projectId === undefined ? undefined : await this.deps.project.files(principal, request.projectId);
    const bytes = files?.reduce((sum, file) => sum + utf8Length(file.content), 0) ?? 0;
    if (bytes > MAX_PROJECT_RUN_BYTES) {
      throw new AppError(
        'payload_too_large',
        `The project's files are ${bytes} bytes; a terminal's workspace takes at most ${MAX_PROJECT_RUN_BYTES} bytes.`,
      );
    }
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
        files,
        limits: { memoryMb: defaults.memoryMb, cpus: defaults.cpus, pids, diskMb },
        network: terminalNetwork,
        cols: request.cols ?? 80,
        rows: request.rows ?? 24,
      })
      .catch((error: unknown) => {
        throw new AppError('unavailable', error instanceof Error ? error.message : String(error));
      });
    const id = randomUUID();
    this.sessions.set(
      id,
      new TerminalSession(
        id,
        { userId: principal.userId, username: principal.username },
        request.projectId,
        language.id,
        request.projectId === undefined ? undefined : request.entry,
        handle,
        terminalIdleMs,
        (session) => this.sessions.delete(session.id),
      ),
    );
    return id;
  }

  /**
   * The caller's connection to the terminal, if it exists and they may use it: a private terminal is its
   * creator's (and an admin's), a project terminal every member's. Otherwise the socket is closed as not
   * found, the same whether the terminal exists or not, so ids cannot be probed.
   */
  async attach(principal: Principal, id: string, socket: WebSocket): Promise<TerminalClient | undefined> {
    const refuse = () => {
      socket.close(WsCloseCode.notFound, 'no such terminal');
      return undefined;
    };
    const session = this.sessions.get(id);
    if (!session || session.ended) return refuse();
    const { projectId } = session;
    if (projectId === undefined) {
      if (session.ownerId !== principal.userId && principal.role !== 'admin') return refuse();
      const client = new TerminalClient(socket, session, 'type');
      session.attach(client);
      return client;
    }
    const lookup = async () => accessOf(await this.deps.project.roleOf(projectId, principal.userId));
    let access: Access;
    try {
      access = await lookup();
    } catch (error) {
      this.deps.logger.error({ err: error, terminalId: id }, 'could not look up a project role for a terminal');
      socket.close(1011, 'could not check your access; try again');
      return undefined;
    }
    // The shell may have ended, or the client hung up, while the role was looked up.
    if (access === 'none' || session.ended) return refuse();
    if (socket.readyState !== socket.OPEN) return undefined;
    const client = new TerminalClient(socket, session, access, lookup);
    session.attach(client);
    return client;
  }

  /** A project's open terminals, oldest first, for any member; others get the 404 a project gives them. */
  async list(principal: Principal, projectId: string): Promise<ProjectTerminal[]> {
    const role = await this.deps.project.roleOf(projectId, principal.userId);
    if (role === null) throw new AppError('not_found', `There is no project ${projectId} that you are a member of.`);
    return [...this.sessions.values()]
      .filter((session) => session.projectId === projectId && !session.ended)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((session) => session.describe());
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const session = this.sessions.get(id);
    const missing = () => new AppError('not_found', `There is no terminal ${id} of yours.`);
    if (!session) throw missing();
    if (session.ownerId !== principal.userId && principal.role !== 'admin') {
      if (session.projectId === undefined) throw missing();
      const role = await this.deps.project.roleOf(session.projectId, principal.userId);
      if (role === null) throw missing();
      if (role !== 'owner') throw new AppError('forbidden', 'Only whoever opened this terminal, or an owner of its project, can close it.');
    }
    await session.end('deleted');
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.pending]);
    await Promise.all([...this.sessions.values()].map((session) => session.end('shutdown')));
  }
}

/** A project terminal starts in the language of the file it was opened for, if Tandem runs that language. */
function languageOf(request: CreateTerminalRequest): LanguageDefinition {
  if (request.language) return findLanguage(request.language)!;
  const fromEntry =
    request.projectId !== undefined && request.entry !== undefined ? findLanguage(languageForPath(request.entry)) : undefined;
  return fromEntry ?? findLanguage('bash')!;
}
