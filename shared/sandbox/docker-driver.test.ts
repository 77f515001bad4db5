import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { Socket } from 'node:net';
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

describe.runIf(images.available)('a terminal closed while its output is paused', () => {
  it('goes at once, and lets go of its stream from the engine', async () => {
    // The socket of every HTTP request from here on (Node's own diagnostics channel), new or reused from the
    // keep-alive pool: the engine's connections, among them the shell's attached stream.
    const sockets = new Set<Socket>();
    const record = (message: unknown) => {
      const { request } = message as { request: http.ClientRequest };
      if (request.socket) sockets.add(request.socket);
      else request.once('socket', (socket) => sockets.add(socket));
    };
    diagnostics.subscribe('http.client.request.start', record);
    const held = () => {
      const idle = new Set(Object.values(http.globalAgent.freeSockets).flat());
      return [...sockets].filter((socket) => !socket.destroyed && !idle.has(socket));
    };
    const driver = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    try {
      const terminal = await driver.openTerminal({
        language: findLanguage('bash')!,
        limits: CONFORMANCE_LIMITS,
        network: false,
        cols: 80,
        rows: 24,
      });
      const exited = new Promise<number | null>((resolve) => terminal.onExit(resolve));
      let received = 0;
      // Flow control as a client that fell behind does it: output stops being read past a megabyte.
      const paused = new Promise<void>((resolve) =>
        terminal.onData((data) => {
          received += data.length;
          if (received > 1024 * 1024) {
            terminal.pause();
            resolve();
          }
        }),
      );
      terminal.write('yes\n');
      await paused;
      // Long enough for the engine's side to fill up and stop writing.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(held()).toHaveLength(1);

      const closing = Date.now();
      await terminal.close();
      expect(await exited).toBe(137);
      await driver.close();
      expect(await driver.ownContainers()).toEqual([]);
      // A paused stream never reads the engine's hang-up: unless destroyed, its socket would stay for good.
      expect(held()).toHaveLength(0);
      // The engine stops a sandbox whose output nobody reads only when it gives up, 10 s later.
      expect(Date.now() - closing).toBeLessThan(5000);
    } finally {
      diagnostics.unsubscribe('http.client.request.start', record);
      await driver.close();
    }
  });
});
