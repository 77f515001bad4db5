import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { sandboxDriverConformance } from './conformance.js';
import { DockerSandboxDriver, HOST_LABEL, PID_LABEL, SANDBOX_LABEL } from './docker-driver.js';
import { imageTag } from './images.js';
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

describe.runIf(images.available)('orphaned sandboxes', () => {
  it('removes sandboxes whose server process is gone, and leaves a live server\u2019s alone', async () => {
    const driver = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    const plant = (pid: number) =>
      driver.docker.createContainer({
        Image: imageTag('bash'),
        Cmd: ['sleep', 'infinity'],
        Labels: { [SANDBOX_LABEL]: 'run', [HOST_LABEL]: os.hostname(), [PID_LABEL]: String(pid) },
      });
    const dead = await plant(2 ** 22 + 12345); // above Linux's pid_max: no such process
    const live = await plant(process.pid);
    try {
      expect(await driver.removeOrphans()).toBeGreaterThanOrEqual(1);
      await expect(dead.inspect()).rejects.toThrow(/no such container/i);
      expect((await live.inspect()).Id).toBe(live.id);
    } finally {
      await live.remove({ force: true });
      await dead.remove({ force: true }).catch(() => undefined);
    }
  });
});
