import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readyUrl, spawnServer, type ServerProcess } from './test-support/server-process.js';

const running: ServerProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

describe('the server process', () => {
  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
    const server = await spawnServer({ SHUTDOWN_TIMEOUT_MS: '60000' });
    running.push(server);
    const url = new URL(await readyUrl(server));

    const body = JSON.stringify({ login: 'nobody-at-all', password: 'definitely wrong' });
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    // Half a request: the server has started it when the signal arrives.
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.child.kill('SIGTERM');
    await expect.poll(() => server.output()).toContain('shutting down');
    const refused = await new Promise<string>((resolve) => {
      const probe = net.connect(Number(url.port), url.hostname);
      probe.once('connect', () => {
        probe.destroy();
        resolve('accepted');
      });
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    socket.write(body.slice(10));
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
    expect(response).toContain('"code":"unauthorized"');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shut down cleanly');
    // It drained: nothing had to be cut off at the timeout.
    expect(server.output()).not.toContain('after the shutdown timeout');
  });

  it('refuses bad configuration before listening, naming each setting', async () => {
    const server = await spawnServer({ PORT: 'abc', DATABASE_URL: 'mysql://x' });
    expect(await server.exited).toBe(78);
    expect(server.output()).toContain('PORT: expected a whole number from 0 to 65535, got "abc"');
    expect(server.output()).toContain('DATABASE_URL: expected a URL like postgresql://');
    expect(server.output()).not.toContain('Tandem server ready');
  });

  it('explains a taken port and an unreachable database', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const taken = await spawnServer({ PORT: String(port) });
      expect(await taken.exited).toBe(1);
      expect(taken.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);

      const noDatabase = await spawnServer({ DATABASE_URL: `postgresql://tandem:secret-pw@127.0.0.1:${port}/tandem` });
      expect(await noDatabase.exited).toBe(1);
      expect(noDatabase.output()).toMatch(/Cannot use the database at 127\.0\.0\.1:\d+\/tandem .*Check DATABASE_URL/);
      expect(noDatabase.output()).toMatch(/\nTandem could not start: Cannot use the database/);
      expect(noDatabase.output()).not.toContain('secret-pw');
    } finally {
      blocker.close();
    }
  });
});
