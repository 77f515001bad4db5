import { describe, expect, it } from 'vitest';
import type { RunExit } from '../../services/run-stream.js';
import { describeExit, describeRunError, formatBytes, isRunnable } from './run-status.js';

const exit = (fields: Partial<RunExit>): RunExit => ({
  runId: 'r1',
  exitCode: 0,
  signal: null,
  timedOut: false,
  oomKilled: false,
  outputTruncated: false,
  durationMs: 182,
  phase: 'run',
  stopped: false,
  ...fields,
});

describe('run status in words', () => {
  it('says how a run ended', () => {
    expect(describeExit(exit({}), 0)).toEqual({ text: 'Exited with code 0 in 182 ms', tone: 'ok' });
    expect(describeExit(exit({ exitCode: 3, durationMs: 1234 }), 0)).toEqual({ text: 'Exited with code 3 in 1.23 s', tone: 'error' });
    expect(describeExit(exit({ timedOut: true, exitCode: null, signal: 'SIGKILL', durationMs: 10_043 }), 0).text).toBe(
      'Timed out after 10 s',
    );
    expect(describeExit(exit({ oomKilled: true, exitCode: 137 }), 0).text).toBe('Out of memory');
    expect(describeExit(exit({ stopped: true, exitCode: null, signal: 'SIGKILL' }), 0)).toEqual({ text: 'Stopped', tone: 'warn' });
    expect(describeExit(exit({ phase: 'compile', exitCode: 1 }), 0).text).toBe('Compilation failed with exit code 1');
    expect(describeExit(exit({ exitCode: null, signal: 'SIGSEGV' }), 0).text).toBe('Killed by SIGSEGV after 182 ms');
    expect(describeExit(exit({ outputTruncated: true }), 1024 * 1024)).toEqual({
      text: 'Exited with code 0 in 182 ms · Output truncated at 1 MiB',
      tone: 'warn',
    });
  });

  it('formats sizes', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(1024 * 1024 - 3)).toBe('1 MiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
    expect(formatBytes(100)).toBe('100 bytes');
  });

  it('knows which files run', () => {
    expect(['main.py', 'src/app.js', 'a.c', 'b.cpp', 'Main.java', 'main.go', 'run.sh'].every(isRunnable)).toBe(true);
    expect(['README.md', 'util.h', 'lib.hpp', 'data.json', 'Makefile', 'types.ts'].some(isRunnable)).toBe(false);
  });

  it('turns server refusals into what to do', () => {
    expect(
      describeRunError(
        'rate_limited',
        'You already have 2 runs going, the most at once. Wait for one to finish, or stop it (POST /api/runs/:id/stop).',
      ),
    ).toBe(
      'You already have 2 runs going, the most at once. Wait for one to finish, or stop it. Runs in your other windows and tabs count too.',
    );
    expect(describeRunError('unavailable', 'Code cannot run right now: Docker is not running')).toMatch(
      /^Code cannot run right now: Docker is not running\. Try again in a minute; .*Docker\.$/,
    );
    expect(describeRunError('validation_failed', 'The project has no file "x.py".')).toBe('The project has no file "x.py".');
  });
});
