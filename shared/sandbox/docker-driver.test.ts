import { describe } from 'vitest';
import { sandboxDriverConformance } from './conformance.js';
import { DockerSandboxDriver } from './docker-driver.js';
import { currentDockerEnvironment, resolveDockerEndpoint } from './docker-endpoint.js';
import { requireSandboxImages } from './test-support.js';

const images = await requireSandboxImages();

describe.runIf(images.available)('Docker', () => {
  sandboxDriverConformance(
    'Docker',
    () => new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment())),
    (driver) => (driver as DockerSandboxDriver).ownContainers(),
  );
});
