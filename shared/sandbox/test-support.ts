// Test-only: how a test that needs a real component behaves when it is missing. In CI (CI=true) the
// suite fails loudly; locally it says in one line what is missing and how to get it, and skips.
import Docker from 'dockerode';
import { currentDockerEnvironment, pingDocker, resolveDockerEndpoint } from './docker-endpoint.js';
import { imageTag, LANGUAGE_IMAGES } from './images.js';

export const inCI = ['true', '1'].includes(String(process.env.CI).toLowerCase());

export interface Component {
  available: boolean;
}

const reported = new Set<string>();

export function componentStatus(name: string, problem: string | undefined, howToGet: string): Component {
  if (!problem) return { available: true };
  const line = `${name} is not available (${problem}): ${howToGet}`;
  if (inCI) throw new Error(`CI needs ${line}`);
  if (!reported.has(name)) {
    reported.add(name);
    console.warn(`skipping tests that need ${line}`);
  }
  return { available: false };
}

/** A reachable Docker engine with every sandbox image built. */
export async function requireSandboxImages(): Promise<Component> {
  const endpoint = resolveDockerEndpoint(currentDockerEnvironment());
  const status = await pingDocker(endpoint, 3000);
  let problem = status.ok ? undefined : status.reason;
  if (!problem) {
    const docker = new Docker(endpoint.options);
    for (const name of LANGUAGE_IMAGES) {
      const exists = await docker
        .getImage(imageTag(name))
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (!exists) {
        problem = `image ${imageTag(name)} is not built`;
        break;
      }
    }
  }
  return componentStatus('sandbox images', problem, 'start Docker and run `npm run images`; .ci/run does this');
}
