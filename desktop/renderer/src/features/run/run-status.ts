import { languageForPath } from '../../../../../shared/protocol/files.js';
import { LanguageId } from '../../../../../shared/protocol/runs.js';
import type { RunExit } from '../../services/run-stream.js';

// Headers have a runnable language but are never a program's entry point.
const HEADER = /\.(h|hh|hpp)$/i;

/** Files Tandem can run as an entry: their extension names a language the sandboxes have. */
export function isRunnable(path: string): boolean {
  return !HEADER.test(path) && LanguageId.safeParse(languageForPath(path)).success;
}

export type StatusTone = 'idle' | 'busy' | 'ok' | 'warn' | 'error';

/** "1 MiB", "512 KiB", "1.5 MiB". */
export function formatBytes(bytes: number): string {
  // Rounded before the unit is chosen: 1 MiB less a few bytes (a cut multi-byte character) is still "1 MiB".
  const mib = Number((bytes / (1024 * 1024)).toFixed(1));
  if (mib >= 1) return `${mib} MiB`;
  const kib = Number((bytes / 1024).toFixed(1));
  return kib >= 1 ? `${kib} KiB` : `${bytes} bytes`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
}

/**
 * The end of a run in words: "Exited with code 0 in 182 ms", "Timed out after 10 s", "Out of memory",
 * "Stopped", a failed compile; "Output truncated at 1 MiB" is added to whichever applies.
 * `outputBytes` is how much output arrived: the server's limit, when it truncated.
 */
export function describeExit(exit: RunExit, outputBytes: number): { text: string; tone: StatusTone } {
  let text: string;
  let tone: StatusTone;
  if (exit.stopped) {
    text = 'Stopped';
    tone = 'warn';
  } else if (exit.timedOut) {
    text = `Timed out after ${Math.round(exit.durationMs / 1000)} s`;
    tone = 'error';
  } else if (exit.oomKilled) {
    text = 'Out of memory';
    tone = 'error';
  } else if (exit.phase === 'compile' && exit.exitCode !== 0) {
    text =
      exit.exitCode === null ? `Compilation failed (${exit.signal ?? 'killed'})` : `Compilation failed with exit code ${exit.exitCode}`;
    tone = 'error';
  } else if (exit.exitCode === null) {
    text = `Killed by ${exit.signal ?? 'a signal'} after ${formatDuration(exit.durationMs)}`;
    tone = 'error';
  } else {
    text = `Exited with code ${exit.exitCode} in ${formatDuration(exit.durationMs)}`;
    tone = exit.exitCode === 0 ? 'ok' : 'error';
  }
  if (exit.outputTruncated) {
    text += ` · Output truncated at ${formatBytes(outputBytes)}`;
    if (tone === 'ok') tone = 'warn';
  }
  return { text, tone };
}

/** A server refusal in plain words, with what to do about it. */
export function describeRunError(code: string, message: string): string {
  // The server's messages are written for API clients too; a person has a Stop button instead.
  const plain = message.replace(/\s*\((?:POST|GET|DELETE) \/api\/[^)]*\)/g, '');
  switch (code) {
    case 'rate_limited':
      return `${plain.replace(/\.?$/, '.')} Runs in your other windows and tabs count too.`;
    case 'unavailable':
      return `${plain.replace(/\.?$/, '.')} Try again in a minute; if it keeps happening, the server’s admin needs to check Docker.`;
    case 'unauthorized':
      return `${plain.replace(/\.?$/, '.')} Sign in again, then run.`;
    default:
      return plain;
  }
}
