import { MAX_LOCAL_TERMINALS } from '../../../shared/protocol/terminals.js';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { MAX_PROJECT_RUN_BYTES, utf8Length, type RunFile, type RunStreamServerMessage } from '../../../shared/protocol/runs.js';
import type { DockerEndpoint } from '../../../shared/sandbox/docker-endpoint.js';
import { DockerSandboxDriver } from '../../../shared/sandbox/docker-driver.js';
import { DEFAULT_SANDBOX_LIMITS, type RunHandle, type SandboxLimits } from '../../../shared/sandbox/driver.js';
import { ImageProvisioner } from '../../../shared/sandbox/images.js';
import { findLanguage, LANGUAGES, type LanguageDefinition } from '../../../shared/sandbox/languages.js';
import { RunStreamSession, type RunStreamStart } from '../../../shared/sandbox/run-stream-session.js';
import { originOf, type TrustedOrigins } from '../security.js';
import { checkWorkspacePaths, LocalSandboxError, toLocalSandboxError } from './local-sandbox-error.js';
import { LocalTerminalSession, type LocalTerminalEngine } from './local-terminal-session.js';

/**
 * The desktop app's runs and terminals on this computer's Docker engine: the run stream protocol of WS
 * /api/runs/stream (shared/protocol/runs.ts) and the local terminal protocol (the end of
 * shared/protocol/terminals.ts), served by the main process on 127.0.0.1 only, to the app's own pages only (a
 * per-launch secret in `?token=` plus the Origin check), with the server's SandboxDriver and images. The
 * renderer sends the files from its local copies, so local runs and terminals need no server at all.
 */

export const LOCAL_RUN_STREAM_PATH = '/runs/stream';
export const LOCAL_TERMINALS_PATH = '/terminals';

export interface LocalRunServerOptions {
  /** The engine to run on, looked up per run: Docker may be started, stopped or switched while the app runs. */
  endpoint(): Promise<DockerEndpoint>;
  /** The app's own origins (app://tandem, and the dev server with `npm run desktop`). */
  trusted: TrustedOrigins;
  limits?: SandboxLimits;
  /** The images' Dockerfiles (the packaged app ships them as resources). */
  imagesDir?: string;
  log?: (message: string, error?: unknown) => void;
  /** How long a terminal's output may wait for the page's acks before the log says so. */
  ackStallMs?: number;
}

/** One window needs one or two sockets; more is a page gone wrong, which must not fill the computer with sandboxes. */
export const MAX_LOCAL_CONNECTIONS = 4;
// Terminals at once, counted apart from the run stream's connections: each is a sandbox that lives until closed.
export { MAX_LOCAL_TERMINALS };
/** Open terminals plus closed ones whose sandboxes are still starting or going. */
export const MAX_STARTING_OR_OPEN_TERMINALS = 2 * MAX_LOCAL_TERMINALS;

const digest = (text: string) => createHash('sha256').update(text).digest();

export class LocalRunServer {
  private readonly token = randomBytes(32).toString('base64url');
  private readonly tokenDigest = digest(this.token);
  private readonly sockets = new Set<WebSocket>();
  /** Terminals whose socket is open: what MAX_LOCAL_TERMINALS counts. */
  private readonly terminals = new Set<LocalTerminalSession>();
  /** Terminals whose socket closed but whose sandbox is still starting or going, so close() can wait for them. */
  private readonly draining = new Set<LocalTerminalSession>();
  /** Runs between their start message and their end, so close() can stop them and wait. */
  private readonly runs = new Set<Promise<unknown>>();
  private closing = false;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly wss: WebSocketServer;
  private readonly log: (message: string, error?: unknown) => void;

  private constructor(
    private readonly http: http.Server,
    private readonly options: LocalRunServerOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    // A start message carries the project's files (up to 16 MiB), JSON-escaped.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_PROJECT_RUN_BYTES });
    http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    // Plain HTTP requests get nothing: this server only speaks WebSocket.
    http.on('request', (_request, response) => response.writeHead(404).end());
  }

  /** Listens on 127.0.0.1 on a port the OS picks. */
  static async start(options: LocalRunServerOptions): Promise<LocalRunServer> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new LocalRunServer(server, options);
  }

  /** ws://127.0.0.1:PORT/runs/stream?token=…, for the app's own pages only (handed over by IPC). */
  get url(): string {
    return `ws://127.0.0.1:${this.port}${LOCAL_RUN_STREAM_PATH}?token=${this.token}`;
  }

  /** ws://127.0.0.1:PORT/terminals?token=…, the same secret: one socket per terminal. */
  get terminalUrl(): string {
    return `ws://127.0.0.1:${this.port}${LOCAL_TERMINALS_PATH}?token=${this.token}`;
  }

  /** The loopback port, which the pages' Content-Security-Policy names. */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Stops every run and terminal, waits for their sandboxes to be removed, and stops listening. */
  async close(): Promise<void> {
    this.closing = true;
    // A terminal's page hears why its shell ended; each run stops as its socket closes; every container goes
    // before we say we are done.
    const terminals = Promise.allSettled([...this.terminals, ...this.draining].map((terminal) => terminal.shutdown()));
    for (const socket of this.sockets) socket.terminate();
    await terminals;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await Promise.allSettled([...this.runs]);
    await Promise.all([...this.sandboxes.values()].map(({ driver }) => driver.close()));
  }

  private upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    let url: URL | undefined;
    const refuse = (status: number, reason: string) => {
      this.log(`local ${url?.pathname === LOCAL_TERMINALS_PATH ? 'terminal' : 'run stream'} refused: ${reason}`);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      url = new URL(request.url ?? '', 'http://127.0.0.1');
    } catch {
      return refuse(400, 'an unparseable request URL');
    }
    const terminal = url.pathname === LOCAL_TERMINALS_PATH;
    if (!terminal && url.pathname !== LOCAL_RUN_STREAM_PATH) return refuse(404, `unknown path ${url.pathname}`);
    if (this.closing) return refuse(503, 'Tandem is quitting');
    if (terminal && this.terminals.size >= MAX_LOCAL_TERMINALS) return refuse(503, `more than ${MAX_LOCAL_TERMINALS} terminals`);
    // A closed socket frees its slot at once, but its sandbox may still be on its way: a page that keeps opening
    // and closing sockets must not have any number of them being created.
    if (terminal && this.terminals.size + this.draining.size >= MAX_STARTING_OR_OPEN_TERMINALS) {
      return refuse(
        503,
        `${this.terminals.size} terminals open and ${this.draining.size} closed ones whose sandboxes are still starting or going, ` +
          `the most at once (${MAX_STARTING_OR_OPEN_TERMINALS})`,
      );
    }
    if (!terminal && this.sockets.size >= MAX_LOCAL_CONNECTIONS) return refuse(503, `more than ${MAX_LOCAL_CONNECTIONS} connections`);
    if (!this.tokenMatches(url.searchParams.get('token'))) return refuse(401, 'a missing or wrong token');
    // A web page on this computer could reach 127.0.0.1 too; only the app's own pages carry its origin.
    const origin = request.headers.origin;
    if (!origin || originOf(origin) !== origin || !this.options.trusted.origins.includes(origin)) {
      return refuse(403, `the origin ${origin ?? '(none)'}`);
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => (terminal ? this.terminal(ws) : this.connection(ws)));
  }

  /** Compared in constant time: digests of equal length, whatever was sent. */
  private tokenMatches(sent: string | null): boolean {
    if (sent === null) return false;
    return timingSafeEqual(digest(sent), this.tokenDigest);
  }

  /**
   * Removes the sandboxes that an earlier run of the app (one that crashed or was killed) left on the engine
   * answering now, and resolves how many. It runs once per engine per launch, also when the first local run or
   * terminal finds the engine; main.ts calls it at start-up so that a user who runs on the server is cleaned up
   * too. Never rejects: no engine answering is normal, and resolves 0.
   */
  async removeEarlierSandboxes(): Promise<number> {
    if (this.closing) return 0;
    let endpoint: DockerEndpoint;
    try {
      endpoint = await this.options.endpoint();
    } catch (error) {
      this.log(
        `no Docker engine answers (${error instanceof Error ? error.message : String(error)}); ` +
          'sandboxes left by an earlier run of Tandem are removed when a local run or terminal finds one',
      );
      return 0;
    }
    if (this.closing) return 0;
    return this.sandbox(endpoint).orphansRemoved;
  }

  private sandbox(endpoint: DockerEndpoint): Sandbox {
    const key = JSON.stringify([endpoint.description, endpoint.options.socketPath, endpoint.options.host, endpoint.options.port]);
    let sandbox = this.sandboxes.get(key);
    if (!sandbox) {
      const driver = new DockerSandboxDriver(endpoint);
      // Images are built on this computer the first time a language runs, as the server does with SANDBOX_BUILD_MISSING_IMAGES.
      const imagesDir = this.options.imagesDir;
      // Sandboxes of an earlier run of the app that crashed or was killed would otherwise idle until Docker restarts.
      const orphansRemoved = driver.removeOrphans().then(
        (removed) => {
          if (removed > 0) this.log(`removed ${removed} sandboxes left by an earlier run of Tandem`);
          return removed;
        },
        (error: unknown) => {
          this.log('could not remove sandboxes left by an earlier run of Tandem', error);
          return 0;
        },
      );
      sandbox = {
        driver,
        images: new ImageProvisioner(driver.docker, { buildMissing: true, ...(imagesDir ? { imagesDir } : {}) }),
        orphansRemoved,
      };
      this.sandboxes.set(key, sandbox);
    }
    return sandbox;
  }

  /** The engine answering now, with its driver and images; a LocalSandboxError says what to do when none does. */
  private async engine(): Promise<LocalTerminalEngine & { driver: DockerSandboxDriver }> {
    if (this.closing) throw new LocalSandboxError('unavailable', 'Tandem is quitting.');
    let endpoint: DockerEndpoint;
    try {
      endpoint = await this.options.endpoint();
    } catch (error) {
      throw new LocalSandboxError(
        'unavailable',
        `No Docker engine is answering on this computer: ${error instanceof Error ? error.message : String(error)} ` +
          'Start Docker (Docker Desktop, Colima, OrbStack or Rancher Desktop) and try again, or run on the server instead.',
      );
    }
    // A terminal that gave up on a slow lookup when the app began quitting: no driver is made after close().
    if (this.closing) throw new LocalSandboxError('unavailable', 'Tandem is quitting.');
    const sandbox = this.sandbox(endpoint);
    const availability = await sandbox.driver.available();
    if (!availability.ok) throw new LocalSandboxError('unavailable', `Code cannot run on this computer right now: ${availability.reason}`);
    return sandbox;
  }

  private terminal(socket: WebSocket): void {
    const { memoryMb, cpus, pids, diskMb } = this.options.limits ?? DEFAULT_SANDBOX_LIMITS;
    const session = new LocalTerminalSession(socket, {
      engine: () => this.engine(),
      limits: { memoryMb, cpus, pids, diskMb },
      log: this.log,
      ...(this.options.ackStallMs === undefined ? {} : { ackStallMs: this.options.ackStallMs }),
    });
    // The slot is free as soon as the socket closes; close() still waits for a sandbox that is starting or going.
    this.terminals.add(session);
    void session.released.then(() => {
      if (this.terminals.delete(session)) this.draining.add(session);
    });
    void session.ended.then(() => {
      this.terminals.delete(session);
      this.draining.delete(session);
    });
  }

  private connection(socket: WebSocket): void {
    this.sockets.add(socket);
    const send = (message: RunStreamServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const session = new RunStreamSession({
      start: async (request, onProgress) => {
        if (this.closing) throw new LocalSandboxError('unavailable', 'Tandem is quitting.');
        const handle = await this.startRun(request, onProgress);
        return { id: randomUUID(), handle, outcome: handle.result };
      },
      send,
      fail: (error) => {
        const known = toLocalSandboxError(error);
        if (!(known instanceof LocalSandboxError)) this.log('local run failed', error);
        send({
          type: 'error',
          code: known instanceof LocalSandboxError ? known.code : 'internal',
          message:
            known instanceof LocalSandboxError
              ? known.message
              : `The run failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      },
      error: (code, message) => new LocalSandboxError(code, message),
      isOpen: () => socket.readyState === socket.OPEN,
    });
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      const run = session.receive(isBinary ? null : rawText(raw));
      if (!run) return;
      // Quitting waits for every run to end and its sandbox to go.
      this.runs.add(run);
      void run.finally(() => this.runs.delete(run));
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      session.closed();
    });
  }

  /** Checks the request like the server does, makes sure the engine answers and the image exists, and starts. */
  private async startRun(message: RunStreamStart, onProgress: (message: string) => void): Promise<RunHandle> {
    if (!message.files || !message.language) {
      throw new LocalSandboxError('bad_request', 'A local run needs the files themselves: send "language", "files" and "entry".');
    }
    const language = languageOf(message.language);
    const entry = entryOf(language, message.files, message.entry);
    const bytes = message.files.reduce((sum, file) => sum + utf8Length(file.content), 0) + utf8Length(message.stdin ?? '');
    if (bytes > MAX_PROJECT_RUN_BYTES) {
      throw new LocalSandboxError(
        'payload_too_large',
        `Files and stdin together are ${bytes} bytes; a run takes at most ${MAX_PROJECT_RUN_BYTES} bytes.`,
      );
    }
    const { driver, images } = await this.engine();
    try {
      await images.ensure(language.image, onProgress);
    } catch (error) {
      throw new LocalSandboxError('unavailable', error instanceof Error ? error.message : String(error));
    }
    const limits = this.options.limits ?? DEFAULT_SANDBOX_LIMITS;
    // stdin is written once the output listener is in place (as on the server), so nothing is lost.
    return driver.run({ language, files: message.files, entry, limits: { ...limits } });
  }
}

interface Sandbox {
  driver: DockerSandboxDriver;
  images: ImageProvisioner;
  /** How many sandboxes of an earlier run of the app were removed from this engine when it was first used. */
  orphansRemoved: Promise<number>;
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw as ArrayBuffer).toString('utf8');
}

function languageOf(id: string): LanguageDefinition {
  const language = findLanguage(id);
  if (!language)
    throw new LocalSandboxError('validation_failed', `Unknown language "${id}". Use one of: ${LANGUAGES.map((l) => l.id).join(', ')}.`);
  return language;
}

/** The server's rules (server/modules/runs/service.ts), which desktop/main may not import. */
function entryOf(language: LanguageDefinition, files: RunFile[], asked: string | undefined): string {
  checkWorkspacePaths(files);
  const paths = files.map((file) => file.path);
  const entry = asked ?? (paths.includes(language.defaultEntry) ? language.defaultEntry : paths.length === 1 ? paths[0]! : undefined);
  if (!entry)
    throw new LocalSandboxError('validation_failed', `Say which file to run: add "entry" (for example "${language.defaultEntry}").`);
  if (!paths.includes(entry)) throw new LocalSandboxError('validation_failed', `The entry "${entry}" is not among the files sent.`);
  return entry;
}
