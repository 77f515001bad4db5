import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';

/** Where a Docker engine may be, and how dockerode reaches it. */
export interface DockerEndpoint {
  description: string;
  options: Docker.DockerOptions;
}

/** The facts detection depends on, so it can be tested with fixtures for each platform. */
export interface DockerEnvironment {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  exists(file: string): boolean;
  /** The current `docker context`'s engine, when the user picked one other than "default" (the desktop app reads it). */
  dockerContext?: { name: string; host: string };
}

export function currentDockerEnvironment(env: Record<string, string | undefined> = process.env): DockerEnvironment {
  return { env, platform: process.platform, homedir: os.homedir(), exists: (file) => fs.existsSync(file) };
}

const socket = (file: string, what: string): DockerEndpoint => ({ description: `${what} (unix://${file})`, options: { socketPath: file } });
const pipe = (name: string, what: string): DockerEndpoint => ({ description: `${what} (npipe://${name})`, options: { socketPath: name } });

/**
 * Every place an engine may listen on this platform, most likely first. DOCKER_HOST, when set, is the only one.
 * The current `docker context` comes next, as it does for the CLI; the platform's usual places follow it, so a
 * context whose socket is gone (Colima stopped, say) does not hide a Docker Desktop that is running.
 */
export function dockerEndpointCandidates(e: DockerEnvironment): DockerEndpoint[] {
  const dockerHost = e.env.DOCKER_HOST?.trim();
  if (dockerHost) return [fromDockerHost(dockerHost, e.env, 'DOCKER_HOST')];
  const usual = platformCandidates(e);
  const context = fromDockerContext(e);
  if (!context) return usual;
  // A context made by OrbStack, Colima and the like points at a place we already know by a friendlier name.
  const known = usual.find((candidate) => candidate.options.socketPath && candidate.options.socketPath === context.options.socketPath);
  return known ? [known, ...usual.filter((candidate) => candidate !== known)] : [context, ...usual];
}

function fromDockerContext(e: DockerEnvironment): DockerEndpoint | undefined {
  const host = e.dockerContext?.host.trim();
  if (!host) return undefined;
  try {
    // TLS settings in the environment belong to DOCKER_HOST, not to a context.
    return fromDockerHost(host, {}, `docker context "${e.dockerContext!.name}"`);
  } catch {
    // A context the CLI itself could not use either; the platform's places may still hold an engine.
    return undefined;
  }
}

function platformCandidates(e: DockerEnvironment): DockerEndpoint[] {
  const home = (...parts: string[]) => path.posix.join(e.homedir.replaceAll('\\', '/'), ...parts);
  switch (e.platform) {
    case 'win32':
      return [pipe('//./pipe/docker_engine', 'Docker Desktop'), pipe('//./pipe/dockerDesktopLinuxEngine', 'Docker Desktop (Linux engine)')];
    case 'darwin':
      return [
        socket(home('.docker/run/docker.sock'), 'Docker Desktop'),
        socket('/var/run/docker.sock', 'the default socket'),
        socket(home('.orbstack/run/docker.sock'), 'OrbStack'),
        socket(home('.colima/default/docker.sock'), 'Colima'),
        socket(home('.colima/docker.sock'), 'Colima'),
        socket(home('.rd/docker.sock'), 'Rancher Desktop'),
      ];
    default: {
      // Linux, including WSL2, where Docker Desktop's integration and a distro's own dockerd both use /var/run.
      const runtimeDir = e.env.XDG_RUNTIME_DIR;
      return [
        socket('/var/run/docker.sock', 'the system Docker engine'),
        ...(runtimeDir ? [socket(path.posix.join(runtimeDir, 'docker.sock'), 'rootless Docker')] : []),
        socket(home('.docker/desktop/docker.sock'), 'Docker Desktop'),
        socket(home('.rd/docker.sock'), 'Rancher Desktop'),
      ];
    }
  }
}

/** The first candidate that exists (or the most likely one, to name in an error). */
export function resolveDockerEndpoint(e: DockerEnvironment = currentDockerEnvironment()): DockerEndpoint {
  const candidates = dockerEndpointCandidates(e);
  return candidates.find((candidate) => !candidate.options.socketPath || e.exists(candidate.options.socketPath)) ?? candidates[0]!;
}

function fromDockerHost(dockerHost: string, env: Record<string, string | undefined>, source: string): DockerEndpoint {
  if (dockerHost.startsWith('unix://')) return socket(dockerHost.slice('unix://'.length), source);
  if (dockerHost.startsWith('npipe://')) return pipe(dockerHost.slice('npipe://'.length), source);
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw new Error(`${source} "${dockerHost}" is not a URL; use unix://, tcp://, ssh:// or npipe://.`);
  }
  const scheme = url.protocol.replace(':', '');
  if (!['tcp', 'ssh', 'http', 'https'].includes(scheme)) {
    throw new Error(`${source} "${dockerHost}" uses an unsupported scheme; use unix://, tcp://, ssh:// or npipe://.`);
  }
  if (scheme === 'ssh') {
    return {
      description: `${source} (${dockerHost})`,
      options: { protocol: 'ssh', host: url.hostname, port: url.port || 22, ...(url.username ? { username: url.username } : {}) },
    };
  }
  const tls = env.DOCKER_TLS_VERIFY === '1' || scheme === 'https';
  const certDir = env.DOCKER_CERT_PATH;
  const read = (file: string) => (certDir ? fs.readFileSync(path.join(certDir, file)) : undefined);
  return {
    description: `${source} (${dockerHost})`,
    options: {
      protocol: tls ? 'https' : 'http',
      host: url.hostname,
      port: url.port || (tls ? 2376 : 2375),
      ...(tls && certDir ? { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } : {}),
    },
  };
}

export interface DockerStatus {
  ok: boolean;
  latencyMs?: number;
  reason?: string;
}

/** Pings the engine, answering within `timeoutMs` whatever the engine does. */
export async function pingDocker(endpoint: DockerEndpoint, timeoutMs: number): Promise<DockerStatus> {
  const started = performance.now();
  const docker = new Docker({ ...endpoint.options, timeout: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `Docker engine at ${endpoint.description} is unreachable (${detail}). Start Docker (or set DOCKER_HOST) to run code.`,
    };
  } finally {
    clearTimeout(timer);
  }
}
