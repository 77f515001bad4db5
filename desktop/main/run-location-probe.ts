import os from 'node:os';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint, type DockerEndpoint } from '../../shared/sandbox/docker-endpoint.js';
import { currentDockerContextEndpoint, dockerConfigDir } from './docker-context.js';
import { decideRunLocation, type LocalDocker, type RunLocationDecision, type RunLocationSetting } from './run-location.js';
import { DEFAULT_SERVER_URL } from './server-url.js';

const TIMEOUT_MS = 2000;

/** Does the server answer? Its liveness route, within two seconds. */
export async function serverAnswers(serverUrl: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(`${serverUrl}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The local Docker engine: DOCKER_HOST when set, else the current `docker context`, else the platform's usual
 * sockets (shared/sandbox), and whether it answers a ping.
 */
export async function localDocker(env: Record<string, string | undefined> = process.env): Promise<LocalDocker> {
  const found = await findLocalDocker(env);
  return found.ok ? { ok: true, endpoint: found.endpoint.description } : found;
}

/** The same search, with the endpoint itself: what the local run server hands its SandboxDriver. */
export async function findLocalDocker(
  env: Record<string, string | undefined> = process.env,
): Promise<{ ok: true; endpoint: DockerEndpoint } | { ok: false; reason: string }> {
  try {
    const context = env.DOCKER_HOST ? undefined : currentDockerContextEndpoint(dockerConfigDir(env, os.homedir()), env);
    const endpoint = resolveDockerEndpoint({ ...currentDockerEnvironment(env), ...(context ? { dockerContext: context } : {}) });
    const status = await pingDocker(endpoint, TIMEOUT_MS);
    return status.ok ? { ok: true, endpoint } : { ok: false, reason: status.reason ?? 'Docker did not answer.' };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Where code runs now, for the settings as they are: the setting, whether the server answers, and the local
 * engine. `probe` is the address asked for liveness (the chosen server; a shell that simulates being offline
 * passes another).
 */
export async function currentRunLocation(
  settings: { load(): { runLocation: RunLocationSetting; serverUrl: string | null } },
  probe?: (serverUrl: string) => string,
): Promise<RunLocationDecision> {
  const { runLocation, serverUrl } = settings.load();
  const server = serverUrl ?? DEFAULT_SERVER_URL;
  const [serverReachable, local] = await Promise.all([serverAnswers(probe ? probe(server) : server), localDocker()]);
  return decideRunLocation({ setting: runLocation, serverReachable, local, serverHost: new URL(server).host });
}

/** The local engine for a run or terminal starting now; rejects with why there is none. */
export async function requireLocalDocker(): Promise<DockerEndpoint> {
  const found = await findLocalDocker();
  if (!found.ok) throw new Error(found.reason);
  return found.endpoint;
}
