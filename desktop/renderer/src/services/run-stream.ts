import { socketPaths } from '../../../../shared/protocol/routes.js';
import { RunStreamServerMessage, type RunOutcome, type RunStreamClientMessage } from '../../../../shared/protocol/runs.js';
import { ApiError, type ApiClient } from './api-client.js';

/** The message that starts a run: a project's file on the server, or the files themselves (local runs). */
export type RunStartMessage = Extract<RunStreamClientMessage, { type: 'start' }>;

/**
 * Where a run's stream is: the server's WS /api/runs/stream, or the desktop app's local Docker engine (the main
 * process's loopback server). Both speak the protocol of shared/protocol/runs.ts.
 */
export interface RunTarget {
  kind: 'server' | 'local';
  /** The socket's URL, with whatever ticket or token it needs; made fresh for each run. */
  connect(): Promise<string>;
  /** For messages: "the server at https://…", "Local Docker (Colima)". */
  where: string;
}

/** The server's run stream, reached with a fresh ticket. */
export function serverRunTarget(api: ApiClient): RunTarget {
  return { kind: 'server', connect: () => api.socketUrl(socketPaths.runStream), where: `the server at ${api.serverUrl}` };
}

export type RunExit = RunOutcome & { runId: string };

/** Everything a run reports, in the order it happens. `exit` and a `fatal` error each end the run. */
export type RunStreamEvent =
  | { type: 'connecting' }
  | { type: 'progress'; message: string }
  | { type: 'started'; runId: string }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; exit: RunExit }
  | {
      type: 'error';
      /** The server's error code (`rate_limited`, `unavailable`, …), or `network` when the connection failed. */
      code: string;
      message: string;
      /** True when the run is over (or never started); false for a refused stdin line while it goes on. */
      fatal: boolean;
    };

type State = 'idle' | 'connecting' | 'starting' | 'running' | 'done';

/**
 * One run over a run stream: a socket of its own, opened with a fresh ticket and closed at exit.
 * Closing the socket stops the run, so a run never outlives the panel that started it.
 */
export class RunStream {
  private socket: WebSocket | undefined;
  private state: State = 'idle';
  /** stdin typed before the server said `started` would be refused as "no run is going": it waits here. */
  private queued: RunStreamClientMessage[] = [];
  private stopRequested = false;

  constructor(
    private readonly target: RunTarget,
    private readonly listener: (event: RunStreamEvent) => void,
  ) {}

  /** True from start() until the run's exit (or its fatal error). */
  private get active(): boolean {
    return this.state !== 'idle' && this.state !== 'done';
  }

  /** `start` is the run's start message, or makes it (a local run reads the files first). */
  async start(start: RunStartMessage | (() => Promise<RunStartMessage>)): Promise<void> {
    if (this.state !== 'idle') throw new Error('A RunStream runs once; make a new one for the next run.');
    this.state = 'connecting';
    this.emit({ type: 'connecting' });
    let url: string;
    let message: RunStartMessage;
    try {
      message = typeof start === 'function' ? await start() : start;
    } catch (error) {
      this.finish({
        type: 'error',
        code: 'files',
        message: `The files to run could not be read: ${error instanceof Error ? error.message : String(error)}`,
        fatal: true,
      });
      return;
    }
    if (this.state !== 'connecting') return; // disposed meanwhile
    try {
      url = await this.target.connect();
    } catch (error) {
      this.finish({
        type: 'error',
        code: error instanceof ApiError ? error.code : 'network',
        message:
          error instanceof ApiError
            ? error.message
            : this.target.kind === 'server'
              ? 'Could not reach the server to start the run. Check your connection.'
              : `Could not reach ${this.target.where}: ${error instanceof Error ? error.message : String(error)}`,
        fatal: true,
      });
      return;
    }
    if (this.state !== 'connecting') return; // disposed meanwhile
    if (this.stopRequested) {
      this.finish({ type: 'error', code: 'stopped', message: 'Stopped before it started.', fatal: true });
      return;
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.state = 'starting';
      socket.send(JSON.stringify(message));
      if (this.stopRequested) socket.send(JSON.stringify({ type: 'stop' } satisfies RunStreamClientMessage));
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', (event) => {
      if (!this.active) return;
      this.finish({
        type: 'error',
        code: 'network',
        message: !opened
          ? `Could not connect to ${this.target.where} to run code. Check your connection and run again.`
          : this.target.kind === 'server'
            ? `Lost the connection to the server${event.reason ? ` (${event.reason})` : ''}; the run was stopped. Run again when you are back online.`
            : `Lost the connection to ${this.target.where}${event.reason ? ` (${event.reason})` : ''}; the run was stopped. Run again.`,
        fatal: true,
      });
    });
  }

  /** A line (or any text) for the program's stdin; sent once the run has started. */
  sendStdin(data: string): void {
    this.send({ type: 'stdin', data });
  }

  /** End of input (Ctrl+D in a terminal). */
  endStdin(): void {
    this.send({ type: 'stdin-end' });
  }

  stop(): void {
    if (!this.active) return;
    this.stopRequested = true;
    // While starting, the server remembers a stop and ends the run as soon as it exists.
    if (this.state === 'starting' || this.state === 'running')
      this.socket?.send(JSON.stringify({ type: 'stop' } satisfies RunStreamClientMessage));
  }

  /** Hangs up without another event; the server stops a run whose connection closed. */
  dispose(): void {
    this.state = 'done';
    this.queued = [];
    this.close();
  }

  private send(message: RunStreamClientMessage): void {
    if (!this.active || this.stopRequested) return;
    if (this.state === 'running' && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    else this.queued.push(message);
  }

  private receive(data: unknown): void {
    if (!this.active) return;
    let message: RunStreamServerMessage;
    try {
      if (typeof data !== 'string') throw new Error('binary');
      message = RunStreamServerMessage.parse(JSON.parse(data));
    } catch {
      this.finish({
        type: 'error',
        code: 'bad_response',
        message: 'The server sent a run message this app does not understand. Update Tandem, or tell the server’s admin.',
        fatal: true,
      });
      return;
    }
    switch (message.type) {
      case 'progress':
        this.emit({ type: 'progress', message: message.message });
        break;
      case 'started': {
        this.state = 'running';
        this.emit({ type: 'started', runId: message.runId });
        const queued = this.queued;
        this.queued = [];
        for (const pending of queued) this.socket?.send(JSON.stringify(pending));
        break;
      }
      case 'stdout':
      case 'stderr':
        this.emit({ type: 'output', stream: message.type, data: message.data });
        break;
      case 'exit': {
        const { type: _type, ...exit } = message;
        this.finish({ type: 'exit', exit });
        break;
      }
      case 'error': {
        // Before `started` every error means the run did not start. After it, a refused stdin line
        // (rate_limited, conflict) leaves the run going; anything else means it failed without an exit.
        const fatal = this.state !== 'running' || !['rate_limited', 'conflict', 'bad_request'].includes(message.code);
        const event: RunStreamEvent = { type: 'error', code: message.code, message: message.message, fatal };
        if (fatal) this.finish(event);
        else this.emit(event);
        break;
      }
    }
  }

  private finish(event: RunStreamEvent): void {
    this.state = 'done';
    this.queued = [];
    this.emit(event);
    this.close();
  }

  private close(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) socket.close(1000, 'done');
  }

  private emit(event: RunStreamEvent): void {
    this.listener(event);
  }
}
