import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_LIMITS, sandboxDriverConformance } from './conformance.js';
import { SandboxError } from './driver.js';
import { findLanguage } from './languages.js';
import { DockerSandboxDriver, HOST_LABEL, INSTANCE_LABEL, PID_LABEL, SANDBOX_LABEL } from './docker-driver.js';
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
  it('removes those of a dead process or of an earlier process with this pid, and keeps a live server\u2019s', async () => {
    const driver = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    const plant = (labels: Record<string, string>) =>
      driver.docker.createContainer({
        Image: imageTag('bash'),
        Cmd: ['sleep', 'infinity'],
        Labels: { [SANDBOX_LABEL]: 'run', [HOST_LABEL]: os.hostname(), ...labels },
      });
    const deadProcess = await plant({ [PID_LABEL]: String(2 ** 22 + 12345) }); // above Linux's pid_max: no such process
    // A restarted server container is PID 1 again: same pid, another instance.
    const earlierInstance = await plant({ [PID_LABEL]: String(process.pid), [INSTANCE_LABEL]: 'an-earlier-process' });
    const liveServer = await plant({ [PID_LABEL]: '1', [INSTANCE_LABEL]: 'another-live-server' });
    try {
      expect(await driver.removeOrphans()).toBeGreaterThanOrEqual(2);
      await expect(deadProcess.inspect()).rejects.toThrow(/no such container/i);
      await expect(earlierInstance.inspect()).rejects.toThrow(/no such container/i);
      expect((await liveServer.inspect()).Id).toBe(liveServer.id);
    } finally {
      for (const container of [liveServer, deadProcess, earlierInstance]) await container.remove({ force: true }).catch(() => undefined);
    }
  });
});

describe.runIf(images.available)('a sandbox Docker refuses to start', () => {
  it('fails the run with a clear error and leaves no container behind', async () => {
    const driver = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    const handle = driver.run({
      language: findLanguage('python')!,
      files: [{ path: 'main.py', content: 'print(1)' }],
      entry: 'main.py',
      stdin: '',
      // More CPUs than any machine here has: Docker refuses the container.
      limits: { ...CONFORMANCE_LIMITS, cpus: 4096 },
    });
    await expect(handle.result).rejects.toThrow(SandboxError);
    await driver.close();
    expect(await driver.ownContainers()).toEqual([]);
  });
});
