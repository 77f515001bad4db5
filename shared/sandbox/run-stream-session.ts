import { StringDecoder } from 'node:string_decoder';
import { RunStreamClientMessage, type RunOutcome, type RunStreamServerMessage } from '../protocol/runs.js';
import type { RunHandle } from './driver.js';

/** A start message without its `type`: what the run is. */
export type RunStreamStart = Omit<Extract<RunStreamClientMessage, { type: 'start' }>, 'type'>;

export interface StartedRun {
  id: string;
  handle: RunHandle;
  /** Settles with the run's end (once the starter has recorded it, where it records runs). */
  outcome: Promise<RunOutcome>;
}

export interface RunStreamSessionOptions {
  /** Checks the request and starts the run; rejects with an error `fail` knows how to word. */
  start(request: RunStreamStart, onProgress: (message: string) => void): Promise<StartedRun>;
  send(message: RunStreamServerMessage): void;
  /** Sends `{type: "error"}` for a failure, in the words of the caller's own errors. */
  fail(error: unknown): void;
  /** One of the caller's errors, for what the session itself refuses. */
  error(code: 'bad_request' | 'conflict' | 'rate_limited', message: string): unknown;
  /** Whether anyone is still listening (a run started for a client that left is stopped at once). */
  isOpen(): boolean;
}

/**
 * One connection of the run stream protocol (shared/protocol/runs.ts), for the server's `/api/runs/stream` and
 * the desktop app's local runs alike: one run at a time; output in order, decoded without splitting a
 * character; stdin as it comes; stop from any moment, even before the sandbox exists; a client that leaves
 * stops its run.
 */
export class RunStreamSession {
  private current: RunHandle | undefined;
  private starting = false;
  private stopWhenStarted = false;

  constructor(private readonly options: RunStreamSessionOptions) {}

  /** A frame from the client (`null` for a binary one). Returns the run's whole life when it starts one. */
  receive(text: string | null): Promise<void> | undefined {
    const { options } = this;
    let message: RunStreamClientMessage;
    try {
      if (text === null) throw new Error('binary');
      message = RunStreamClientMessage.parse(JSON.parse(text));
    } catch {
      options.fail(
        options.error(
          'bad_request',
          'Send JSON messages: {type:"start", language, files, entry} (or {type:"start", projectId, entry}), {type:"stdin", data}, {type:"stdin-end"} or {type:"stop"}.',
        ),
      );
      return undefined;
    }
    if (message.type === 'start') {
      if (this.current || this.starting) {
        options.fail(options.error('conflict', 'A run is already going on this connection; stop it or wait for its exit.'));
        return undefined;
      }
      const { type: _type, ...request } = message;
      return this.run(request);
    }
    if (message.type === 'stop' && this.starting && !this.current) {
      this.stopWhenStarted = true;
      return undefined;
    }
    const current = this.current;
    if (!current) {
      options.fail(options.error('conflict', 'No run is going on this connection: send {type:"start"} first.'));
    } else if (message.type === 'stdin') {
      if (!current.writeStdin(message.data)) {
        options.fail(
          options.error(
            'rate_limited',
            'The program is not reading its input (or has finished): this input was dropped. Send less, or wait.',
          ),
        );
      }
    } else if (message.type === 'stdin-end') current.endStdin();
    else void current.stop();
    return undefined;
  }

  /** The client left: nobody is left to see the output, so the run ends with its connection. */
  closed(): void {
    if (this.current) void this.current.stop();
    else if (this.starting) this.stopWhenStarted = true;
  }

  private run(request: RunStreamStart): Promise<void> {
    const { options } = this;
    this.starting = true;
    return options
      .start(request, (progress) => options.send({ type: 'progress', message: progress }))
      .then((run) => {
        this.current = run.handle;
        if (this.stopWhenStarted || !options.isOpen()) void run.handle.stop();
        options.send({ type: 'started', runId: run.id });
        const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
        run.handle.onOutput((stream, data) => {
          const text = decoders[stream].write(data);
          if (text) options.send({ type: stream, data: text });
        });
        if (request.stdin !== undefined) {
          run.handle.writeStdin(request.stdin);
          run.handle.endStdin();
        }
        return run.outcome.then((outcome) => {
          for (const stream of ['stdout', 'stderr'] as const) {
            const rest = decoders[stream].end();
            if (rest) options.send({ type: stream, data: rest });
          }
          options.send({ type: 'exit', runId: run.id, ...outcome });
        });
      })
      .catch((error: unknown) => options.fail(error))
      .finally(() => {
        this.current = undefined;
        this.starting = false;
        this.stopWhenStarted = false;
      });
  }
}
