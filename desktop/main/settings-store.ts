import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RunLocationSetting } from '../../shared/protocol/ipc.js';
import { parseServerUrl } from './server-url.js';

/** Kept as the user typed it once parseServerUrl accepted it; a hand-edited file is normalised the same way. */
const ServerUrl = z.string().transform((input, ctx) => {
  const result = parseServerUrl(input);
  if (result.ok) return result.url;
  ctx.addIssue({ code: 'custom', message: result.message });
  return z.NEVER;
});

// Fractional pixels (scaled displays) are rounded rather than refused: saving the window on close must not fail.
const Pixels = z.number().transform((value) => Math.round(value));
const WindowSettings = z.object({
  x: Pixels,
  y: Pixels,
  width: z.number().min(1).pipe(Pixels),
  height: z.number().min(1).pipe(Pixels),
  maximized: z.boolean(),
});

export const DesktopSettings = z.object({
  /** null until the user picks a server on first start. */
  serverUrl: ServerUrl.nullable(),
  runLocation: RunLocationSetting,
  window: WindowSettings.optional(),
});
export type DesktopSettings = z.infer<typeof DesktopSettings>;

export const DEFAULT_SETTINGS: DesktopSettings = { serverUrl: null, runLocation: 'auto' };

/**
 * The desktop app's settings, one JSON file in Electron's userData directory. Reading never fails: a file
 * that is corrupt or from another version keeps whatever fields are still valid, takes defaults for the
 * rest, and is moved to `<file>.bad` so nothing the user had is silently lost. Writes replace the file in
 * one rename, so a crash mid-write leaves the previous settings, never half a file. Values are validated on
 * the way in too: update() throws, with a message fit for the user, rather than store something invalid.
 */
export class SettingsStore {
  // The main process is the file's only writer, so it is read once; callers (a CSP header per response, say) can
  // ask as often as they like without touching the disk.
  private current: DesktopSettings | undefined;

  constructor(private readonly file: string) {}

  load(): DesktopSettings {
    this.current ??= this.read();
    return structuredClone(this.current);
  }

  update(patch: Partial<DesktopSettings>): DesktopSettings {
    const parsed = DesktopSettings.safeParse({ ...this.load(), ...patch });
    if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join(' '));
    this.write(parsed.data);
    this.current = parsed.data;
    return structuredClone(parsed.data);
  }

  private read(): DesktopSettings {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      // Missing on first start; unreadable (a directory, no permission) is set aside like a corrupt file.
      if (!isMissing(error)) this.setAside();
      return { ...DEFAULT_SETTINGS };
    }
    const raw = parseJson(text);
    const parsed = DesktopSettings.safeParse(raw);
    if (parsed.success) return parsed.data;
    const salvaged = salvage(raw);
    this.setAside();
    try {
      this.write(salvaged);
    } catch {
      // The salvaged values are still used; the next update tries to write again.
    }
    return salvaged;
  }

  private write(settings: DesktopSettings): void {
    writeFileAtomically(this.file, `${JSON.stringify(settings, null, 2)}\n`);
  }

  private setAside(): void {
    try {
      fs.renameSync(this.file, `${this.file}.bad`);
    } catch {
      // Nothing to keep aside, or it cannot be moved: loading must still succeed.
    }
  }
}

/**
 * Writes a temporary file beside the target, flushes it, then renames it over the target: readers (and the
 * next start after a crash or power cut) see the old content or the new, never a mix.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

function salvage(raw: unknown): DesktopSettings {
  const settings: DesktopSettings = { ...DEFAULT_SETTINGS };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return settings;
  const fields = raw as Record<string, unknown>;
  const serverUrl = DesktopSettings.shape.serverUrl.safeParse(fields.serverUrl);
  if (serverUrl.success) settings.serverUrl = serverUrl.data;
  const runLocation = DesktopSettings.shape.runLocation.safeParse(fields.runLocation);
  if (runLocation.success) settings.runLocation = runLocation.data;
  const window = WindowSettings.safeParse(fields.window);
  if (window.success) settings.window = window.data;
  return settings;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
