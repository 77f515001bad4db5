/**
 * The real Tandem server (server/main.ts) in its own process, for renderer tests that need its behaviour. The
 * renderer may not import server code, but it may start it. Its type-check has no Node types, so Node's modules
 * are loaded by name (plain strings) and described by the few members used here.
 */
const CHILD_PROCESS_MODULE: string = 'node:child_process';
const FS_MODULE: string = 'node:fs/promises';
const NET_MODULE: string = 'node:net';
const OS_MODULE: string = 'node:os';
const PATH_MODULE: string = 'node:path';
const URL_MODULE: string = 'node:url';

interface Output {
  on(event: 'data', listener: (chunk: { toString(): string }) => void): void;
}
interface ChildProcess {
  exitCode: number | null;
  signalCode: string | null;
  stdout: Output;
  stderr: Output;
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean;
  once(event: 'exit', listener: () => void): void;
}
interface ChildProcessModule {
  spawn(command: string, args: string[], options: { cwd: string; env: Record<string, string>; stdio: string[] }): ChildProcess;
}
interface FsModule {
  mkdtemp(prefix: string): Promise<string>;
  rm(path: string, options: { recursive: boolean; force: boolean }): Promise<void>;
}
interface NetServer {
  listen(port: number, host: string, callback: () => void): void;
  address(): { port: number };
  close(callback: () => void): void;
}
interface NetModule {
  createServer(): NetServer;
}
interface NodeProcess {
  execPath: string;
  env: Record<string, string | undefined>;
}

export interface RealServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** What it printed (LOG_LEVEL=warn: problems only), for a failure's message. */
  output(): string;
  /** SIGTERM, wait for the process to exit, remove its data directory. */
  stop(): Promise<void>;
}

const STARTUP_DEADLINE_MS = 55_000;
const STOP_DEADLINE_MS = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port free a moment ago: the server is told it rather than picking one, so no log has to be read. */
async function freePort(net: NetModule): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Starts server/main.ts with the embedded database in a fresh temp directory, and resolves once GET /health
 * answers 200. `node --import tsx` rather than the tsx CLI: one process, so SIGTERM reaches the server itself and
 * its exit is the server's exit.
 */
export async function startRealServer(env: Record<string, string> = {}): Promise<RealServer> {
  const [childProcess, fs, net, os, path, url] = await Promise.all([
    import(/* @vite-ignore */ CHILD_PROCESS_MODULE) as Promise<ChildProcessModule>,
    import(/* @vite-ignore */ FS_MODULE) as Promise<FsModule>,
    import(/* @vite-ignore */ NET_MODULE) as Promise<NetModule>,
    import(/* @vite-ignore */ OS_MODULE) as Promise<{ tmpdir(): string }>,
    import(/* @vite-ignore */ PATH_MODULE) as Promise<{ join(...parts: string[]): string }>,
    import(/* @vite-ignore */ URL_MODULE) as Promise<{ fileURLToPath(url: URL): string }>,
  ]);
  const nodeProcess = (globalThis as unknown as { process: NodeProcess }).process;
  const root = url.fileURLToPath(new URL('../../../../', import.meta.url));
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tandem-real-server-'));
  const port = await freePort(net);
  const child = childProcess.spawn(nodeProcess.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: nodeProcess.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: '',
      TANDEM_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(STOP_DEADLINE_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  };

  const serverUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (running() && Date.now() < deadline) {
    const healthy = await fetch(`${serverUrl}/health`).then(
      async (response) => {
        await response.text();
        return response.status === 200;
      },
      () => false,
    );
    if (healthy) return { url: serverUrl, output: () => output, stop };
    await sleep(100);
  }
  const why = running() ? `did not answer GET /health within ${STARTUP_DEADLINE_MS / 1000} s` : 'exited before it was ready';
  await stop();
  throw new Error(`The Tandem server (server/main.ts) ${why}. It printed:\n${output}`);
}
