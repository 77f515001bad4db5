import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import tarStream from 'tar-stream';
import type { RunFile, RunOutcome } from '../protocol/runs.js';
import type { DockerEndpoint } from './docker-endpoint.js';
import { pingDocker } from './docker-endpoint.js';
import type {
  Availability,
  OutputStream,
  RunHandle,
  RunSpec,
  SandboxDriver,
  SandboxLimits,
  TerminalHandle,
  TerminalSpec,
} from './driver.js';
import { SandboxError } from './driver.js';
import { DockerDemuxer } from './exec-stream.js';
import { imageTag } from './images.js';
import { isProcessAlive } from './process-alive.js';

export const SANDBOX_LABEL = 'dev.tandem.sandbox';
export const HOST_LABEL = 'dev.tandem.host';
export const PID_LABEL = 'dev.tandem.pid';
export const INSTANCE_LABEL = 'dev.tandem.instance';
/** This process's sandboxes, told apart from a previous process that had the same pid (a restarted container's PID 1). */
const INSTANCE = randomUUID();
const RUNNER = '10001:10001';
const MiB = 1024 * 1024;
/** Reads a tar of the files from stdin; run as the runner, so what it writes is the runner's. */
const UNPACK_FILES = ['tar', '-x', '-C', '/workspace', '-f', '-'];
/** A tar that has not finished by then is stuck (an engine that stopped answering), not slow. */
const WRITE_FILES_TIMEOUT_MS = 30_000;
// Everything a sandbox sees of its environment; nothing of the server's.
const SANDBOX_ENV = ['HOME=/workspace', 'LANG=C.UTF-8', 'LC_ALL=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin'];

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
};

/** The hardened shape of every sandbox container: no network, no capabilities, read-only root, hard limits. */
function containerConfig(
  image: string,
  limits: Omit<SandboxLimits, 'timeoutMs' | 'outputBytes'>,
  kind: string,
  network: boolean,
): Docker.ContainerCreateOptions {
  const tmpfs = `rw,exec,nosuid,nodev,size=${limits.diskMb}m`;
  return {
    Image: image,
    // The sandbox idles; every step runs as an exec in it, so each has its own exit code and streams.
    Cmd: ['sleep', 'infinity'],
    User: RUNNER,
    WorkingDir: '/workspace',
    Env: SANDBOX_ENV,
    Labels: { [SANDBOX_LABEL]: kind, [HOST_LABEL]: os.hostname(), [PID_LABEL]: String(process.pid), [INSTANCE_LABEL]: INSTANCE },
    NetworkDisabled: !network,
    StopTimeout: 1,
    HostConfig: {
      NetworkMode: network ? 'bridge' : 'none',
      Init: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/workspace': `${tmpfs},uid=10001,gid=10001,mode=0755`, '/tmp': `${tmpfs},mode=1777` },
      Memory: limits.memoryMb * MiB,
      MemorySwap: limits.memoryMb * MiB,
      // Zero would mean no CPU limit at all: never below Docker's minimum of 0.01 CPU.
      NanoCpus: Math.max(1e7, Math.round(limits.cpus * 1e9)),
      PidsLimit: limits.pids,
      Ulimits: [
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: limits.diskMb * MiB, Hard: limits.diskMb * MiB },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
    },
  };
}

async function packFiles(files: RunFile[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) pack.entry({ name: file.path, mode: 0o644, uid: 10001, gid: 10001 }, file.content);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A non-interactive command in the sandbox's workspace, with stdin, as the sandbox user sees it. */
function commandExec(cmd: string[]): Docker.ExecCreateOptions {
  return { Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false, WorkingDir: '/workspace', Env: SANDBOX_ENV };
}

/** Unpacks `files` into a started sandbox's /workspace; throws a SandboxError with tar's own complaint. */
async function writeFiles(container: Docker.Container, files: RunFile[]): Promise<void> {
  const exec = await container.exec(commandExec(UNPACK_FILES));
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  let output = '';
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  stream.pipe(new DockerDemuxer((_kind, data) => (output += data.toString())));
  stream.end(await packFiles(files));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WRITE_FILES_TIMEOUT_MS)));
  try {
    if ((await Promise.race([ended, timedOut])) === 'timeout') {
      throw new SandboxError('failed', `Writing the files into the sandbox took longer than ${WRITE_FILES_TIMEOUT_MS / 1000} s.`);
    }
  } finally {
    clearTimeout(timer);
  }
  const exitCode = await exitCodeOf(exec);
  if (exitCode !== 0) {
    // Past the workspace's size tar gets SIGXFSZ (the fsize limit) and says nothing itself.
    const reason =
      output.trim() ||
      (exitCode === 128 + 25
        ? 'the files are larger than the workspace allows (SANDBOX_DISK_MB)'
        : `tar exited with ${exitCode ?? 'no exit code'}`);
    throw new SandboxError('failed', `Could not write the files into the sandbox: ${reason}`);
  }
}

function describeDockerError(error: unknown, image: string): SandboxError {
  const status = (error as { statusCode?: number }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404 && /image/i.test(message)) {
    return new SandboxError('image_missing', `The sandbox image ${image} is not built. Run \`npm run images\`.`, { cause: error });
  }
  if (/ECONNREFUSED|ENOENT|EACCES|socket hang up|connect/i.test(message) && !status) {
    return new SandboxError('unavailable', `The Docker engine is unreachable (${message}). Start Docker, or set DOCKER_HOST.`, {
      cause: error,
    });
  }
  return new SandboxError('failed', `Docker refused the sandbox: ${message}`, { cause: error });
}

export class DockerSandboxDriver implements SandboxDriver {
  readonly docker: Docker;
  private readonly removals = new Set<Promise<unknown>>();

  constructor(private readonly endpoint: DockerEndpoint) {
    this.docker = new Docker(endpoint.options);
  }

  async available(): Promise<Availability> {
    const status = await pingDocker(this.endpoint, 1500);
    return status.ok ? { ok: true } : { ok: false, reason: status.reason! };
  }

  run(spec: RunSpec): RunHandle {
    return new DockerRun(this, spec);
  }

  async createContainer(image: string, config: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    let container: Docker.Container | undefined;
    try {
      container = await this.docker.createContainer(config);
      await container.start();
      return container;
    } catch (error) {
      // Created but not started is still a container: it must not outlive the failure.
      if (container) this.remove(container);
      throw describeDockerError(error, image);
    }
  }

  /** Removal happens after the answer is sent; `close()` waits for it. */
  remove(container: Docker.Container): void {
    const removal = container.remove({ force: true, v: true }).catch(() => undefined);
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  async openTerminal(spec: TerminalSpec): Promise<TerminalHandle> {
    const image = imageTag(spec.language.image);
    const container = await this.createContainer(image, containerConfig(image, spec.limits, 'terminal', spec.network));
    try {
      if (spec.files?.length) await writeFiles(container, spec.files);
      const exec = await container.exec({
        Cmd: ['bash', '-l'],
        Tty: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        WorkingDir: '/workspace',
        Env: [...SANDBOX_ENV, 'TERM=xterm-256color'],
      });
      const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
      await exec.resize({ h: spec.rows, w: spec.cols }).catch(() => undefined);
      return new DockerTerminal(this, container, exec, stream);
    } catch (error) {
      this.remove(container);
      throw error instanceof SandboxError ? error : describeDockerError(error, image);
    }
  }

  async removeOrphans(): Promise<number> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
    // A sandbox belongs to the server process that made it; one whose process is gone is an orphan.
    // Another machine's sandboxes (on a shared engine) are left to that machine's server.
    const orphans = containers.filter((info) => {
      if (info.Labels[HOST_LABEL] !== os.hostname()) return false;
      const pid = Number(info.Labels[PID_LABEL]);
      if (pid === process.pid) return info.Labels[INSTANCE_LABEL] !== INSTANCE;
      return !isProcessAlive(pid);
    });
    await Promise.all(
      orphans.map((info) =>
        this.docker
          .getContainer(info.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    return orphans.length;
  }

  /** Containers this process started and has not removed yet. */
  async ownContainers(): Promise<string[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL, `${PID_LABEL}=${process.pid}`] } });
    return containers.filter((info) => info.Labels[HOST_LABEL] === os.hostname()).map((info) => info.Id);
  }

  async close(): Promise<void> {
    while (this.removals.size) await Promise.all([...this.removals]);
  }
}

type KillReason = 'timeout' | 'output' | 'stop';

/** Input a program has not read yet, at most: beyond it writeStdin refuses, so a client cannot fill the server's memory. */
export const MAX_PENDING_STDIN_BYTES = 1024 * 1024;
/** After the deadline, how long a kill may take before the sandbox is removed outright. */
const KILL_GRACE_MS = 5000;

class DockerRun implements RunHandle {
  readonly result: Promise<RunOutcome>;
  private readonly listeners: Array<(stream: OutputStream, data: Buffer) => void> = [];
  private container: Docker.Container | undefined;
  private killedFor: KillReason | undefined;
  private phase: 'compile' | 'run' = 'run';
  private outputBytes = 0;
  private outputTruncated = false;
  private stdin: Duplex | undefined;
  private pendingStdin: string[] = [];
  private stdinEnded = false;

  constructor(
    private readonly driver: DockerSandboxDriver,
    private readonly spec: RunSpec,
  ) {
    this.result = this.execute();
    this.result.catch(() => undefined); // the caller handles it; this keeps an unobserved failure from crashing
  }

  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void {
    this.listeners.push(listener);
  }

  writeStdin(data: string): boolean {
    if (this.stdinEnded) return false;
    const queued = this.pendingStdin.reduce((sum, chunk) => sum + chunk.length, 0) + (this.stdin?.writableLength ?? 0);
    if (queued + data.length > MAX_PENDING_STDIN_BYTES) return false;
    if (this.stdin) this.stdin.write(data);
    else this.pendingStdin.push(data);
    return true;
  }

  endStdin(): void {
    if (this.stdinEnded) return;
    this.stdinEnded = true;
    this.stdin?.end();
  }

  async stop(): Promise<void> {
    this.kill('stop');
    await this.result.catch(() => undefined);
  }

  /** The first reason is the one reported; every call tries again, in case an earlier kill request failed. */
  private kill(reason: KillReason): void {
    this.killedFor ??= reason;
    this.container?.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  }

  private async execute(): Promise<RunOutcome> {
    const started = performance.now();
    const { language, limits } = this.spec;
    const image = imageTag(language.image);
    // The clock starts before Docker is asked for anything, so a slow engine counts against the limit too.
    const timer = setTimeout(() => this.kill('timeout'), limits.timeoutMs);
    // If even the kill does not end it (an engine that stopped answering), the sandbox is removed outright.
    const lastResort = setTimeout(() => this.container && this.driver.remove(this.container), limits.timeoutMs + KILL_GRACE_MS);
    let container: Docker.Container;
    try {
      container = await this.driver.createContainer(image, containerConfig(image, limits, 'run', false));
    } catch (error) {
      clearTimeout(timer);
      clearTimeout(lastResort);
      throw error;
    }
    this.container = container;
    if (this.killedFor) this.kill(this.killedFor);
    try {
      const files = await this.exec(UNPACK_FILES, {
        stdin: await packFiles(this.spec.files),
        collect: true,
      });
      if (files.exitCode !== 0 && !this.killedFor) {
        throw new SandboxError('failed', `Could not write the files into the sandbox: ${files.output.trim()}`);
      }
      let exitCode: number | null = files.exitCode;
      const compile = language.compile?.(this.spec.entry, this.spec.files);
      if (compile && !this.killedFor) {
        this.phase = 'compile';
        exitCode = (await this.exec(compile, { stdin: '' })).exitCode;
      }
      if (!this.killedFor && (!compile || exitCode === 0)) {
        this.phase = 'run';
        exitCode = (await this.exec(language.run(this.spec.entry), { stdin: this.spec.stdin, interactive: this.spec.stdin === undefined }))
          .exitCode;
      }
      const oomKilled = exitCode === 137 && !this.killedFor ? await this.oomKilled() : false;
      const killed = this.killedFor !== undefined;
      return {
        exitCode: killed ? (exitCode ?? 137) : exitCode,
        signal: killed ? 'SIGKILL' : exitCode !== null && exitCode > 128 ? (SIGNALS[exitCode - 128] ?? `SIG${exitCode - 128}`) : null,
        timedOut: this.killedFor === 'timeout',
        oomKilled,
        outputTruncated: this.outputTruncated,
        durationMs: Math.round(performance.now() - started),
        phase: this.phase,
        stopped: this.killedFor === 'stop',
      };
    } finally {
      clearTimeout(timer);
      clearTimeout(lastResort);
      this.stdinEnded = true;
      this.pendingStdin = [];
      this.driver.remove(container);
    }
  }

  /** Runs one command in the sandbox; its output is streamed to listeners unless collected. */
  private async exec(cmd: string[], options: { stdin?: string | Buffer; interactive?: boolean; collect?: boolean }) {
    const container = this.container!;
    let output = '';
    let exec: Docker.Exec;
    let stream: Duplex;
    try {
      exec = await container.exec(commandExec(cmd));
      stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    } catch (error) {
      if (this.killedFor) return { exitCode: null, output };
      throw describeDockerError(error, imageTag(this.spec.language.image));
    }
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    stream.pipe(
      new DockerDemuxer((kind, data) => {
        if (options.collect) output += data.toString();
        else this.emit(kind, data);
      }),
    );
    if (options.interactive) {
      this.stdin = stream;
      for (const data of this.pendingStdin.splice(0)) stream.write(data);
      if (this.stdinEnded) stream.end();
    } else {
      if (options.stdin !== undefined && options.stdin.length) stream.write(options.stdin);
      stream.end();
    }
    await ended;
    this.stdin = undefined;
    return { exitCode: await exitCodeOf(exec), output };
  }

  private emit(kind: OutputStream, data: Buffer): void {
    if (this.outputTruncated) return;
    const room = this.spec.limits.outputBytes - this.outputBytes;
    const chunk = data.length > room ? data.subarray(0, room) : data;
    this.outputBytes += chunk.length;
    if (chunk.length) for (const listener of this.listeners) listener(kind, chunk);
    if (data.length > room) {
      this.outputTruncated = true;
      this.kill('output');
    }
  }

  /** The kernel's own count of OOM kills in the sandbox's memory cgroup (v1 and v2 both keep one). */
  private async oomKilled(): Promise<boolean> {
    const probe = await this.exec(['sh', '-c', 'cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null'], {
      collect: true,
    }).catch(() => ({ output: '' }));
    return Number(/oom_kill (\d+)/.exec(probe.output)?.[1] ?? 0) > 0;
  }
}

/** The exit code once Docker has recorded it; a loaded engine can take a while after the stream ends. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let attempt = 0, wait = 5; attempt < 40; attempt += 1, wait = Math.min(wait * 2, 250)) {
    try {
      const info = await exec.inspect();
      if (!info.Running) return info.ExitCode ?? null;
    } catch {
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return null;
}

class DockerTerminal implements TerminalHandle {
  private readonly exitListeners: Array<(exitCode: number | null) => void> = [];
  private exited = false;
  /** Set by close(): output goes nowhere from then on, and the stream is read whatever the caller paused. */
  private closing = false;

  constructor(
    private readonly driver: DockerSandboxDriver,
    private readonly container: Docker.Container,
    private readonly exec: Docker.Exec,
    private readonly stream: Duplex,
  ) {
    const finish = () => void this.finish();
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  }

  private resizing: Promise<void> | undefined;
  private wantedSize: { cols: number; rows: number } | undefined;

  write(data: string | Buffer): boolean {
    if (this.exited || this.stream.writableLength > MAX_PENDING_STDIN_BYTES) return false;
    this.stream.write(data);
    return true;
  }

  /** Coalesced: at most one request to Docker at a time, and only the latest size is sent. */
  async resize(cols: number, rows: number): Promise<void> {
    this.wantedSize = { cols, rows };
    this.resizing ??= (async () => {
      while (this.wantedSize) {
        const size = this.wantedSize;
        this.wantedSize = undefined;
        await this.exec.resize({ h: size.rows, w: size.cols }).catch(() => undefined);
      }
      this.resizing = undefined;
    })();
    await this.resizing;
  }

  onData(listener: (data: Buffer) => void): void {
    this.stream.on('data', (data: Buffer) => {
      if (!this.closing) listener(data);
    });
  }

  onExit(listener: (exitCode: number | null) => void): void {
    this.exitListeners.push(listener);
  }

  pause(): void {
    if (!this.closing) this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  async close(): Promise<void> {
    // The engine does not stop a sandbox whose output nobody reads until it gives up, 10 s later: a stream paused
    // for flow control is drained into nothing while the sandbox goes.
    this.closing = true;
    this.stream.resume();
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    await this.finish();
  }

  private async finish(): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    const code = await exitCodeOf(this.exec);
    this.driver.remove(this.container);
    // The shell is gone. A stream paused for flow control never reads the engine's end of the connection, so it
    // would never end or close: its socket and the output it holds would stay for the process's life. (After an
    // end it holds nothing; after close() its output goes nowhere.)
    this.stream.destroy();
    for (const listener of this.exitListeners) listener(code);
  }
}
