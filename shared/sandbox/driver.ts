import type { RunFile, RunOutcome } from '../protocol/runs.js';
import type { LanguageDefinition } from './languages.js';

/** Hard limits of one sandbox. Every field is enforced by the kernel or by the driver's own timers. */
export interface SandboxLimits {
  timeoutMs: number;
  memoryMb: number;
  cpus: number;
  /** stdout and stderr together; beyond it the run is killed and marked outputTruncated. */
  outputBytes: number;
  pids: number;
  /** Size of each of the /workspace and /tmp in-memory file systems. */
  diskMb: number;
}

/** A run's limits when nobody chose others: the server's SANDBOX_* defaults and what the desktop app's local runs get. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = {
  timeoutMs: 10_000,
  memoryMb: 256,
  cpus: 0.5,
  outputBytes: 1024 * 1024,
  pids: 128,
  diskMb: 64,
};

export interface RunSpec {
  language: LanguageDefinition;
  files: RunFile[];
  entry: string;
  /** Sent and closed at start; leave undefined and use `writeStdin`/`endStdin` for interactive input. */
  stdin?: string;
  limits: SandboxLimits;
}

export type OutputStream = 'stdout' | 'stderr';

export interface RunHandle {
  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void;
  /** False when refused: the run is over, or too much input is waiting unread. */
  writeStdin(data: string): boolean;
  endStdin(): void;
  /** Kills the run; its result says `stopped`. */
  stop(): Promise<void>;
  /** The outcome; rejects with a SandboxError when the sandbox could not run at all. */
  readonly result: Promise<RunOutcome>;
}

export interface TerminalSpec {
  language: LanguageDefinition;
  /** Written into /workspace, owned by the runner, before the shell starts. */
  files?: RunFile[];
  limits: Omit<SandboxLimits, 'timeoutMs' | 'outputBytes'>;
  network: boolean;
  cols: number;
  rows: number;
}

export interface TerminalHandle {
  /** False when refused: the shell has not read what it was sent before. */
  write(data: string | Buffer): boolean;
  resize(cols: number, rows: number): Promise<void>;
  onData(listener: (data: Buffer) => void): void;
  /** Flow control: stop reading output while clients catch up. */
  pause(): void;
  resume(): void;
  onExit(listener: (exitCode: number | null) => void): void;
  close(): Promise<void>;
}

export type Availability = { ok: true } | { ok: false; reason: string };

/** One interface, several implementations (local Docker, remote Docker, later Kubernetes), one conformance suite. */
export interface SandboxDriver {
  available(): Promise<Availability>;
  run(spec: RunSpec): RunHandle;
  openTerminal(spec: TerminalSpec): Promise<TerminalHandle>;
  /** Removes sandboxes left behind by a process that died; returns how many. */
  removeOrphans(): Promise<number>;
  /** Waits for every sandbox this driver started to be removed. */
  close(): Promise<void>;
}

export type SandboxErrorCode = 'unavailable' | 'image_missing' | 'failed';

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SandboxError';
  }
}
