import Docker from 'dockerode';

/**
 * Where the Docker engine is. The full platform detection (Docker Desktop, Colima, OrbStack, Rancher,
 * WSL2) arrives with the sandbox driver; this resolves DOCKER_HOST or the platform's default socket.
 */
export interface DockerEndpoint {
  description: string;
  options: Docker.DockerOptions;
}

export function resolveDockerEndpoint(env: Record<string, string | undefined>, platform: NodeJS.Platform): DockerEndpoint {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) {
      const socketPath = dockerHost.slice('unix://'.length);
      return { description: dockerHost, options: { socketPath } };
    }
    if (dockerHost.startsWith('npipe://')) {
      return { description: dockerHost, options: { socketPath: dockerHost.slice('npipe://'.length) } };
    }
    const url = new URL(dockerHost);
    const protocol = url.protocol.replace(':', '');
    if (protocol !== 'tcp' && protocol !== 'ssh' && protocol !== 'http' && protocol !== 'https') {
      throw new Error(`DOCKER_HOST "${dockerHost}" uses an unsupported scheme; use unix://, tcp://, ssh:// or npipe://.`);
    }
    const tls = env.DOCKER_TLS_VERIFY === '1' || protocol === 'https';
    return {
      description: dockerHost,
      options: {
        protocol: protocol === 'ssh' ? 'ssh' : tls ? 'https' : 'http',
        host: url.hostname,
        port: url.port || (protocol === 'ssh' ? 22 : tls ? 2376 : 2375),
        ...(protocol === 'ssh' && url.username ? { username: url.username } : {}),
      },
    };
  }
  if (platform === 'win32') {
    return { description: 'npipe:////./pipe/docker_engine', options: { socketPath: '//./pipe/docker_engine' } };
  }
  return { description: 'unix:///var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } };
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
