import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DockerContextEndpoint {
  name: string;
  host: string;
}

/**
 * The Docker CLI's configuration directory: `DOCKER_CONFIG` when set, as the CLI itself does, else `~/.docker`.
 */
export function dockerConfigDir(env: Record<string, string | undefined>, homedir: string): string {
  const configured = env.DOCKER_CONFIG?.trim();
  return configured ? configured : path.join(homedir, '.docker');
}

/**
 * The engine the user's current `docker context` points at, read from the CLI's own files so no `docker`
 * process is needed (a GUI app on macOS often has no PATH to it). Colima, OrbStack, Rancher Desktop and
 * Docker Desktop all switch the context on start, so this is usually the engine the user means.
 *
 * The name comes from `DOCKER_CONTEXT` when set in `env`, else `currentContext` in config.json; the endpoint
 * from contexts/meta/<sha256 of the name>/meta.json. "default" means the CLI's built-in defaults, which the
 * platform candidates already cover, so it answers undefined, as it does for anything missing or malformed.
 */
export function currentDockerContextEndpoint(
  dockerConfigDir: string,
  env: Record<string, string | undefined> = {},
): DockerContextEndpoint | undefined {
  const name = env.DOCKER_CONTEXT?.trim() || stringAt(readJson(path.join(dockerConfigDir, 'config.json')), ['currentContext'])?.trim();
  if (!name || name === 'default') return undefined;
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = readJson(path.join(dockerConfigDir, 'contexts', 'meta', digest, 'meta.json'));
  // A meta.json copied from elsewhere could describe another context; trust it only for the one asked.
  const metaName = stringAt(meta, ['Name']);
  if (metaName !== undefined && metaName !== name) return undefined;
  const host = stringAt(meta, ['Endpoints', 'docker', 'Host'])?.trim();
  return host ? { name, host } : undefined;
}

function readJson(file: string): unknown {
  try {
    // A byte-order mark is what Notepad leaves when someone edits config.json by hand on Windows.
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch {
    return undefined;
  }
}

function stringAt(value: unknown, keys: string[]): string | undefined {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' ? current : undefined;
}
