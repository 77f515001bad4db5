// Runs the real bundled main process (dist/desktop/main/main.cjs) in a child `node`, its require('electron')
// answered by the double (electron-double.ts), so each test starts from a fresh process as the app does.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DoubleCommand, DoubleRecord } from './electron-double.js';
import type { FromTest, ToTest } from './electron-double-preload.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MAIN_BUNDLE = path.join(ROOT, 'dist/desktop/main/main.cjs');
export const PRELOAD_BUNDLE = path.join(ROOT, 'dist/desktop/preload/preload.cjs');
const DOUBLE = path.join(ROOT, 'desktop/main/testing/electron-double-preload.ts');
// Generous: CI runs two test files at once on two cores.
const WAIT_MS = 15_000;

/**
 * Bundles the main process and preload when their sources are newer than the bundles (scripts/build.mjs
 * decides, and does nothing when they are current): `npm run test:unit` builds only the Prisma client.
 */
export function buildDesktopBundles(): void {
  const result = spawnSync(process.execPath, ['scripts/build.mjs', '--desktop-only'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node scripts/build.mjs --desktop-only failed:\n${result.stdout}\n${result.stderr}`);
}

export interface LaunchOptions {
  /** Extra arguments, as the OS passes them (a tandem:// link on Windows and Linux). */
  args?: string[];
  /** false: another instance holds the single-instance lock. */
  singleInstanceLock?: boolean;
}

/**
 * The folder `electron <folder>` would be started with, as scripts/build.mjs stages dist/desktop: the real
 * preload bundle, and a renderer whose index.html the test knows (the web app's build is not needed here).
 */
function stageApp(dir: string): { appDir: string; indexHtml: string } {
  const appDir = path.join(dir, 'app');
  fs.mkdirSync(path.join(appDir, 'renderer'), { recursive: true });
  fs.symlinkSync(path.dirname(PRELOAD_BUNDLE), path.join(appDir, 'preload'));
  const indexHtml = `<!doctype html><title>Tandem</title><p>staged by launch-main.ts ${Date.now()}</p>\n`;
  fs.writeFileSync(path.join(appDir, 'renderer', 'index.html'), indexHtml);
  return { appDir, indexHtml };
}

export class MainProcess {
  readonly records: DoubleRecord[] = [];
  private readonly replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly watchers = new Set<() => void>();
  private nextId = 1;
  private stderr = '';
  private closed = false;
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly appDir: string,
    readonly userData: string,
    readonly indexHtml: string,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    child.on('message', (message: ToTest) => {
      if (message.type === 'record') {
        this.records.push(message.record);
        this.watchers.forEach((watch) => watch());
        return;
      }
      const waiting = this.replies.get(message.id);
      this.replies.delete(message.id);
      if (message.ok) waiting?.resolve(message.value);
      else waiting?.reject(new Error(message.error));
    });
    // 'close', not 'exit': the records the process sent just before exiting have arrived by then.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    void this.exited.then(() => {
      this.closed = true;
      for (const waiting of this.replies.values()) waiting.reject(new Error(`the main process exited.\n${this.stderr}`));
      this.watchers.forEach((watch) => watch());
    });
  }

  static launch(options: LaunchOptions = {}): MainProcess {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-main-wiring-'));
    const { appDir, indexHtml } = stageApp(dir);
    const userData = path.join(dir, 'user-data');
    fs.mkdirSync(userData);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_DOUBLE_APP_DIR: appDir,
      ELECTRON_DOUBLE_USER_DATA: userData,
      ELECTRON_DOUBLE_SINGLE_INSTANCE_LOCK: options.singleInstanceLock === false ? 'no' : 'yes',
      // No engine: the start-up sweep of earlier sandboxes must not touch the Docker engine other tests use.
      DOCKER_HOST: `unix://${path.join(dir, 'no-docker.sock')}`,
    };
    delete env.TANDEM_USER_DATA_DIR;
    delete env.TANDEM_RENDERER_URL;
    const child = fork(MAIN_BUNDLE, options.args ?? [], {
      cwd: ROOT,
      env,
      execArgv: ['--import', 'tsx', '--import', DOUBLE],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new MainProcess(child, dir, appDir, userData, indexHtml);
  }

  /** Sends a command to the double and resolves with its answer. */
  call<T = unknown>(command: DoubleCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.replies.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command } satisfies FromTest);
    });
  }

  /** The page's side of an IPC call, from a frame at `senderUrl` (null: a frame that is gone). */
  invoke<T = unknown>(channel: string, payload: unknown = {}, senderUrl: string | null = 'app://tandem/'): Promise<T> {
    return this.call<T>({ op: 'invoke', channel, senderUrl, payload });
  }

  ofKind(kind: string): DoubleRecord[] {
    return this.records.filter((entry) => entry.kind === kind);
  }

  indexOf(kind: string): number {
    return this.records.findIndex((entry) => entry.kind === kind);
  }

  /** Waits until a record matching `predicate` arrives (or has), and returns it. */
  waitFor(kind: string, predicate: (entry: DoubleRecord) => boolean = () => true): Promise<DoubleRecord> {
    const find = () => this.records.find((entry) => entry.kind === kind && predicate(entry));
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        // An uncaught error in main fails at once, with its stack, rather than as a timeout.
        const failed = this.errors()[0];
        if (found || failed || this.closed) {
          clearTimeout(timer);
          this.watchers.delete(check);
          if (found) resolve(found);
          else if (failed) reject(new Error(`the main process failed before "${kind}": ${String(failed.message)}`));
          else reject(new Error(`the main process exited before "${kind}".\n${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`no "${kind}" within ${WAIT_MS} ms; records: ${JSON.stringify(this.records.map((r) => r.kind))}\n${this.stderr}`));
      }, WAIT_MS);
      this.watchers.add(check);
      check();
    });
  }

  /** Errors the main process did not catch (uncaught exceptions, unhandled rejections). */
  errors(): DoubleRecord[] {
    return this.ofKind('error');
  }

  get log(): string {
    return this.stderr;
  }

  async close(): Promise<void> {
    if (!this.closed) this.child.kill();
    await this.exited;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
