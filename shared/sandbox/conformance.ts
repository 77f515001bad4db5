// The acceptance suite every SandboxDriver implementation runs (local Docker today; remote Docker and
// Kubernetes later): the same programs, the same hostile battery, the same expectations.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../protocol/runs.js';
import type { RunSpec, SandboxDriver, SandboxLimits } from './driver.js';
import { LANGUAGES, findLanguage } from './languages.js';

export const CONFORMANCE_LIMITS: SandboxLimits = {
  timeoutMs: 20_000,
  memoryMb: 256,
  cpus: 0.5,
  outputBytes: 1024 * 1024,
  pids: 128,
  diskMb: 64,
};

export interface Ran extends RunOutcome {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived, each chunk tagged. */
  chunks: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
}

export async function runProgram(
  driver: SandboxDriver,
  languageId: string,
  content: string,
  options: {
    stdin?: string;
    limits?: Partial<SandboxLimits>;
    files?: RunSpec['files'];
    onStarted?: (stop: () => Promise<void>) => void;
  } = {},
): Promise<Ran> {
  const language = findLanguage(languageId)!;
  const files = options.files ?? [{ path: language.defaultEntry, content }];
  const handle = driver.run({
    language,
    files,
    entry: language.defaultEntry,
    stdin: options.stdin ?? '',
    limits: { ...CONFORMANCE_LIMITS, ...options.limits },
  });
  const chunks: Ran['chunks'] = [];
  handle.onOutput((stream, data) => chunks.push({ stream, text: data.toString() }));
  options.onStarted?.(() => handle.stop());
  const outcome = await handle.result;
  const join = (stream: 'stdout' | 'stderr') =>
    chunks
      .filter((chunk) => chunk.stream === stream)
      .map((chunk) => chunk.text)
      .join('');
  return { ...outcome, stdout: join('stdout'), stderr: join('stderr'), chunks };
}

export function sandboxDriverConformance(
  name: string,
  create: () => SandboxDriver,
  ownContainers: (driver: SandboxDriver) => Promise<string[]>,
): void {
  describe(`${name} sandbox driver`, () => {
    const driver = create();
    afterAll(async () => {
      await driver.close();
      expect(await ownContainers(driver)).toEqual([]);
    });

    it('is available', async () => {
      expect(await driver.available()).toEqual({ ok: true });
    });

    it.each(LANGUAGES.map((language) => [language.id, language.template]))('runs hello world in %s', async (id, template) => {
      const ran = await runProgram(driver, id, template);
      expect(ran).toMatchObject({ exitCode: 0, stdout: 'Hello, world!\n', stderr: '', phase: 'run', timedOut: false, oomKilled: false });
    });

    it('feeds stdin to the program', async () => {
      const ran = await runProgram(driver, 'python', 'import sys\nprint(sys.stdin.read().upper(), end="")', {
        stdin: 'line one\nl\u00EDne two\n',
      });
      expect(ran.stdout).toBe('LINE ONE\nL\u00CDNE TWO\n');
    });

    it('reports a compile error in the compile phase and does not run', async () => {
      const ran = await runProgram(driver, 'c', 'int main(void) { return undefined_thing; }\n');
      expect(ran.phase).toBe('compile');
      expect(ran.exitCode).not.toBe(0);
      expect(ran.stderr).toMatch(/undefined_thing/);
    });

    it('keeps stdout and stderr apart and in order', async () => {
      const ran = await runProgram(driver, 'bash', 'for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done\nexit 3\n');
      expect(ran.chunks.map((chunk) => `${chunk.stream}:${chunk.text.trim()}`)).toEqual([
        'stdout:out1',
        'stderr:err1',
        'stdout:out2',
        'stderr:err2',
        'stdout:out3',
        'stderr:err3',
      ]);
      expect(ran.exitCode).toBe(3);
    });

    it('stops a run on request', async () => {
      let stop: (() => Promise<void>) | undefined;
      const running = runProgram(driver, 'python', 'import time\nprint("started", flush=True)\ntime.sleep(60)\n', {
        onStarted: (s) => (stop = s),
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await stop!();
      const ran = await running;
      expect(ran).toMatchObject({ stopped: true, timedOut: false, signal: 'SIGKILL' });
      expect(ran.durationMs).toBeLessThan(10_000);
    });

    describe('hostile programs', () => {
      it('contains a fork bomb: the process limit refuses forks, and the run ends by the time limit', async () => {
        const ran = await runProgram(driver, 'bash', 'bomb() { bomb | bomb & }; bomb\nwait\n', { limits: { timeoutMs: 3000 } });
        expect(ran.durationMs).toBeLessThan(3000 + 5000);
        expect(ran.stderr).toMatch(/fork: (retry: )?Resource temporarily unavailable/);
      });

      it('kills a memory bomb and says so', async () => {
        const ran = await runProgram(driver, 'python', 'blocks = []\nwhile True:\n    blocks.append(bytearray(16 * 1024 * 1024))\n', {
          limits: { memoryMb: 128 },
        });
        expect(ran).toMatchObject({ oomKilled: true, exitCode: 137, timedOut: false });
      });

      it('cuts endless output at the cap', async () => {
        const ran = await runProgram(driver, 'bash', 'yes "endless output"\n', { limits: { outputBytes: 64 * 1024 } });
        expect(ran.outputTruncated).toBe(true);
        expect(Buffer.byteLength(ran.stdout + ran.stderr)).toBe(64 * 1024);
        expect(ran.timedOut).toBe(false);
      });

      it('times out a program that sleeps forever', async () => {
        const ran = await runProgram(driver, 'bash', 'sleep 3600\n', { limits: { timeoutMs: 1500 } });
        expect(ran).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
        expect(ran.durationMs).toBeLessThan(8000);
      });

      it('has no network: only a loopback interface, and connections fail', async () => {
        const program = [
          'import socket',
          'print(sorted(name for _, name in socket.if_nameindex()))',
          'try:',
          // TEST-NET-1 (RFC 5737): with no route out of the sandbox the kernel refuses before sending anything.
          '    socket.create_connection(("192.0.2.1", 80), timeout=3)',
          '    print("connected")',
          'except OSError as error:',
          '    print("refused", error.errno)',
        ].join('\n');
        const ran = await runProgram(driver, 'python', program);
        expect(ran.stdout).toMatch(/^\['lo'\]\nrefused \d+\n$/);
      });

      // Seccomp 2 is filter mode: Docker's default profile is in force.
      it('runs as a non-root user with no capabilities, no new privileges and seccomp, on a read-only root', async () => {
        const ran = await runProgram(
          driver,
          'bash',
          'id -u\ngrep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status\ntouch /etc/owned 2>&1 || echo "root is read-only"\necho ok > /workspace/scratch && cat /workspace/scratch\n',
        );
        expect(ran.stdout).toMatch(
          /^10001\nCapEff:\s+0+\nNoNewPrivs:\s+1\nSeccomp:\s+2\n.*Read-only file system\nroot is read-only\nok\n$/,
        );
      });

      it('cannot see the host\u2019s processes', async () => {
        const ran = await runProgram(driver, 'bash', 'ps -eo comm --no-headers\n');
        const processes = ran.stdout.trim().split('\n');
        expect(processes.length).toBeLessThan(10);
        expect(processes).not.toContain('dockerd');
        expect(processes).not.toContain('node');
      });

      it('gets a minimal environment with nothing of the server\u2019s', async () => {
        process.env.TANDEM_TEST_SECRET = 'must-not-leak';
        const ran = await runProgram(driver, 'bash', 'env | sort\n');
        expect(ran.stdout).not.toContain('must-not-leak');
        expect(ran.stdout).not.toMatch(/DATABASE_URL|JWT_SECRET|DOCKER_HOST/);
        expect(ran.stdout).toContain('HOME=/workspace');
      });
    });
  });
}
