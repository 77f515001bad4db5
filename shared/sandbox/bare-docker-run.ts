import { spawn } from 'node:child_process';
import { DEFAULT_SANDBOX_LIMITS } from './driver.js';
import { imageTag, type ImageName } from './images.js';

/**
 * One program run the way a sandbox runs it (no network, no capabilities, read-only root, the runner user,
 * the default limits), straight through the docker CLI: the floor the benchmarks compare Tandem's runs with.
 * `script` reads the program from stdin. Resolves with the time from spawn to exit and what it printed.
 */
export async function timeBareDockerRun(image: ImageName, script: string, stdin: string): Promise<{ ms: number; output: string }> {
  const { memoryMb, cpus, pids, diskMb } = DEFAULT_SANDBOX_LIMITS;
  const tmpfs = `rw,exec,nosuid,nodev,size=${diskMb}m`;
  const args = [
    'run',
    '--rm',
    '-i',
    '--network',
    'none',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--read-only',
    '--tmpfs',
    `/workspace:${tmpfs},uid=10001,gid=10001`,
    '--tmpfs',
    `/tmp:${tmpfs}`,
    '--memory',
    `${memoryMb}m`,
    '--memory-swap',
    `${memoryMb}m`,
    '--cpus',
    String(cpus),
    '--pids-limit',
    String(pids),
    '--user',
    '10001:10001',
    '--init',
    imageTag(image),
    'sh',
    '-c',
    script,
  ];
  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
    child.stdin.end(stdin);
  });
  return { ms: performance.now() - started, output };
}
