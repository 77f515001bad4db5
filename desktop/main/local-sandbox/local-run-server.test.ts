import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RunStreamServerMessage, type RunStreamClientMessage } from '../../../shared/protocol/runs.js';
import { DockerSandboxDriver, HOST_LABEL, INSTANCE_LABEL, PID_LABEL, SANDBOX_LABEL } from '../../../shared/sandbox/docker-driver.js';
import { currentDockerEnvironment, resolveDockerEndpoint } from '../../../shared/sandbox/docker-endpoint.js';
import { imageTag } from '../../../shared/sandbox/images.js';
import { requireSandboxImages } from '../../../shared/sandbox/test-support.js';
import { APP_ORIGIN } from '../security.js';
import { LocalRunServer, MAX_LOCAL_CONNECTIONS } from './local-run-server.js';
import { handshakeStatus } from '../testing/fixtures.js';

const images = await requireSandboxImages();
const DEV_SERVER = 'http://localhost:5173';

let server: LocalRunServer;

beforeAll(async () => {
  server = await LocalRunServer.start({
    endpoint: async () => resolveDockerEndpoint(currentDockerEnvironment()),
    trusted: { origins: [APP_ORIGIN, DEV_SERVER] },
  });
});
afterAll(() => server?.close());

/** A client of the local run stream, keeping every message it gets. */
async function connect(url = server.url, origin: string | undefined = APP_ORIGIN) {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  const messages: RunStreamServerMessage[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(RunStreamServerMessage.parse(JSON.parse(String(data))));
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const until = async (done: (message: RunStreamServerMessage) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!messages.some(done)) {
      if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(messages)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return messages.find(done)!;
  };
  return {
    socket,
    messages,
    send: (message: RunStreamClientMessage | string) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    until,
    /** Waits for the run's end: its exit or an error. */
    end: () => until((message) => message.type === 'exit' || message.type === 'error'),
    output: (stream: 'stdout' | 'stderr') =>
      messages
        .filter((message) => message.type === stream)
        .map((message) => (message as { data: string }).data)
        .join(''),
  };
}

const python = (content: string, stdin?: string): RunStreamClientMessage => ({
  type: 'start',
  language: 'python',
  files: [{ path: 'main.py', content }],
  entry: 'main.py',
  ...(stdin === undefined ? {} : { stdin }),
});

describe('the handshake', () => {
  it('listens on 127.0.0.1 only, with a long random token', () => {
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/runs\/stream\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a missing or wrong token, another path, and origins other than the app and its dev server', async () => {
    const url = new URL(server.url);
    const token = url.searchParams.get('token')!;
    const withToken = (value: string | undefined, path = '/runs/stream') =>
      `ws://${url.host}${path}${value === undefined ? '' : `?token=${encodeURIComponent(value)}`}`;
    expect(await handshakeStatus(withToken(undefined), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(withToken(''), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(withToken(`${token.slice(0, -1)}x`), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(withToken(`${token}x`), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(withToken(token, '/api/runs/stream'), APP_ORIGIN)).toBe(404);
    expect(await handshakeStatus(server.url, 'https://evil.example.com')).toBe(403);
    expect(await handshakeStatus(server.url, 'http://localhost:5174')).toBe(403);
    expect(await handshakeStatus(server.url, 'app://evil')).toBe(403);
    expect(await handshakeStatus(server.url, 'null')).toBe(403);
    expect(await handshakeStatus(server.url, undefined)).toBe(403);
    expect(await handshakeStatus(server.url, APP_ORIGIN)).toBe('open');
    expect(await handshakeStatus(server.url, DEV_SERVER)).toBe('open');
  });
});

describe('messages that are not a run', () => {
  it(`refuses more than ${MAX_LOCAL_CONNECTIONS} connections at once (503), and admits again once one closes`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_LOCAL_CONNECTIONS }, () => connect()));
    expect(await handshakeStatus(server.url, APP_ORIGIN)).toBe(503);
    open[0]!.socket.close();
    await new Promise((resolve) => open[0]!.socket.once('close', resolve));
    await expect.poll(() => handshakeStatus(server.url, APP_ORIGIN)).toBe('open');
    // The next tests need the slots back: wait until the server has seen every close.
    await Promise.all(
      open.slice(1).map((client) => new Promise((resolve) => (client.socket.once('close', resolve), client.socket.close()))),
    );
    await expect.poll(() => handshakeStatus(server.url, APP_ORIGIN)).toBe('open');
  });

  it('answers a bad message with an error, and keeps the connection', async () => {
    const client = await connect();
    const answer = async (message: RunStreamClientMessage | string) => {
      const before = client.messages.length;
      client.send(message);
      return client.until(() => client.messages.length > before).then(() => client.messages.at(-1));
    };
    expect(await answer('not json')).toMatchObject({ type: 'error', code: 'bad_request' });
    expect(await answer('{"type":"launch"}')).toMatchObject({ type: 'error', code: 'bad_request' });
    expect(
      await answer({ type: 'start', language: 'python', files: [{ path: '../etc/passwd', content: '' }], entry: '../etc/passwd' }),
    ).toMatchObject({ type: 'error', code: 'bad_request' });
    // The server's project runs read its database; a local run needs the files themselves.
    expect(await answer({ type: 'start', projectId: '4b0f6a5e-8f55-4f0e-9b53-2f3f4b1f0c11', entry: 'main.py' })).toMatchObject({
      type: 'error',
      code: 'bad_request',
      message: expect.stringContaining('files'),
    });
    expect(await answer({ type: 'start', language: 'cobol', files: [{ path: 'main.cob', content: '' }] })).toMatchObject({
      type: 'error',
      code: 'validation_failed',
    });
    expect(await answer({ type: 'start', language: 'python', files: [{ path: 'a.py', content: '' }], entry: 'b.py' })).toMatchObject({
      type: 'error',
      code: 'validation_failed',
    });
    expect(await answer({ type: 'stdin', data: 'x' })).toMatchObject({ type: 'error', code: 'conflict' });
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });
});

describe.runIf(images.available)('runs on the local Docker engine', () => {
  it('runs hello world in Python: started, stdout, exit 0', async () => {
    const client = await connect();
    client.send(python('print("Hello, world!")\n'));
    const exit = await client.end();
    expect(exit).toMatchObject({ type: 'exit', exitCode: 0, timedOut: false, stopped: false, phase: 'run' });
    expect(client.output('stdout')).toBe('Hello, world!\n');
    const types = client.messages.map((message) => message.type);
    expect(types.indexOf('started')).toBeLessThan(types.indexOf('stdout'));
    expect(types.at(-1)).toBe('exit');
    const started = client.messages.find((message) => message.type === 'started') as { runId: string };
    expect((exit as { runId: string }).runId).toBe(started.runId);
    client.socket.close();
  });

  it('keeps stdout and stderr in the order the program wrote them, and reports the exit code', async () => {
    const client = await connect();
    client.send(
      python(
        'import sys, time\nprint("one", flush=True)\ntime.sleep(0.2)\nprint("two", file=sys.stderr, flush=True)\ntime.sleep(0.2)\nprint("three", flush=True)\nsys.exit(3)\n',
      ),
    );
    expect(await client.end()).toMatchObject({ type: 'exit', exitCode: 3 });
    // A write may arrive in pieces ("one", "\n"): consecutive pieces of one stream are joined, the order is what counts.
    const streamed: string[] = [];
    let last: string | undefined;
    for (const message of client.messages) {
      if (message.type !== 'stdout' && message.type !== 'stderr') continue;
      if (message.type === last) streamed[streamed.length - 1] += message.data;
      else streamed.push(`${message.type}:${message.data}`);
      last = message.type;
    }
    expect(streamed).toEqual(['stdout:one\n', 'stderr:two\n', 'stdout:three\n']);
    client.socket.close();
  });

  it('feeds stdin from the start message, and typed while it runs', async () => {
    const given = await connect();
    given.send(python('import sys\nprint(sys.stdin.read().upper(), end="")\n', 'from the start\n'));
    expect(await given.end()).toMatchObject({ type: 'exit', exitCode: 0 });
    expect(given.output('stdout')).toBe('FROM THE START\n');
    given.socket.close();

    const typed = await connect();
    typed.send(python('name = input()\nprint(f"Hello, {name}!")\nprint(input())\n'));
    await typed.until((message) => message.type === 'started');
    typed.send({ type: 'stdin', data: 'Ada\n' });
    await typed.until((message) => message.type === 'stdout');
    typed.send({ type: 'stdin', data: 'bye' });
    typed.send({ type: 'stdin-end' });
    expect(await typed.end()).toMatchObject({ type: 'exit', exitCode: 0 });
    expect(typed.output('stdout')).toBe('Hello, Ada!\nbye\n');
    typed.socket.close();
  });

  it('runs one at a time per connection, and stop ends the run', async () => {
    const client = await connect();
    client.send(python('import time\nprint("waiting", flush=True)\ntime.sleep(60)\n'));
    await client.until((message) => message.type === 'stdout');
    client.send(python('print(1)\n'));
    expect(await client.until((message) => message.type === 'error')).toMatchObject({ code: 'conflict' });
    const asked = Date.now();
    client.send({ type: 'stop' });
    expect(await client.until((message) => message.type === 'exit')).toMatchObject({ type: 'exit', stopped: true });
    expect(Date.now() - asked).toBeLessThan(15_000);
    // The connection takes the next run.
    client.messages.length = 0;
    client.send(python('print("again")\n'));
    expect(await client.end()).toMatchObject({ type: 'exit', exitCode: 0 });
    expect(client.output('stdout')).toBe('again\n');
    client.socket.close();
  });

  it('a stop sent before the sandbox started ends the run as soon as it exists', async () => {
    const client = await connect();
    client.send(python('import time\ntime.sleep(60)\n'));
    client.send({ type: 'stop' });
    expect(await client.end()).toMatchObject({ type: 'exit', stopped: true });
    client.socket.close();
  });

  it('a client that hangs up stops its run, and its sandbox is removed', async () => {
    const sandboxes = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    const client = await connect();
    client.send(python('import time\nprint("up", flush=True)\ntime.sleep(60)\n'));
    await client.until((message) => message.type === 'stdout');
    expect(await sandboxes.ownContainers()).toHaveLength(1);
    client.socket.terminate();
    const deadline = Date.now() + 15_000;
    while ((await sandboxes.ownContainers()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sandboxes.ownContainers()).toEqual([]);
  });
});

describe('sandboxes left by an earlier run of the app', () => {
  it.runIf(images.available)('removeEarlierSandboxes() removes them without any run or terminal, and keeps this run’s own', async () => {
    const docker = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));
    // What an earlier run of the app left: a sandbox of this computer from an instance that is gone. It carries
    // this process's id with another instance's label (a pid the OS reused): only this process sees it as left
    // over, so the orphan sweeps of the other test files, running in parallel, cannot remove it first.
    const left = await docker.docker.createContainer({
      Image: imageTag('bash'),
      Cmd: ['sleep', 'infinity'],
      Labels: {
        [SANDBOX_LABEL]: 'terminal',
        [HOST_LABEL]: os.hostname(),
        [PID_LABEL]: String(process.pid),
        [INSTANCE_LABEL]: 'an-earlier-instance',
      },
    });
    const logged: string[] = [];
    const fresh = await LocalRunServer.start({
      endpoint: async () => resolveDockerEndpoint(currentDockerEnvironment()),
      trusted: { origins: [APP_ORIGIN] },
      log: (message) => logged.push(message),
    });
    // A sandbox of this very process (a run going on, here through the other server) is not an earlier run's.
    const client = await connect();
    try {
      client.send(python('import time\nprint("up", flush=True)\ntime.sleep(60)\n'));
      await client.until((message) => message.type === 'stdout');
      // The run's sandbox and the one left over both carry this process's id.
      expect(await docker.ownContainers()).toHaveLength(2);

      expect(await fresh.removeEarlierSandboxes()).toBeGreaterThanOrEqual(1);
      await expect(left.inspect()).rejects.toThrow(/no such container/i);
      expect(await docker.ownContainers()).toHaveLength(1);
      expect(logged).toContainEqual(expect.stringMatching(/^removed \d+ sandboxes left by an earlier run of Tandem$/));
    } finally {
      client.socket.close();
      await left.remove({ force: true }).catch(() => undefined);
      await fresh.close();
    }
    // The run stops as its socket closes; its sandbox goes a moment later.
    await expect.poll(() => docker.ownContainers(), { timeout: 15_000 }).toEqual([]);
  });

  it('with no Docker engine answering: resolves 0 and notes it in the log', async () => {
    const logged: string[] = [];
    const offline = await LocalRunServer.start({
      endpoint: async () => {
        throw new Error('Docker engine at unix:///nowhere.sock is unreachable.');
      },
      trusted: { origins: [APP_ORIGIN] },
      log: (message) => logged.push(message),
    });
    try {
      expect(await offline.removeEarlierSandboxes()).toBe(0);
      expect(logged).toEqual([expect.stringContaining('unix:///nowhere.sock is unreachable')]);
    } finally {
      await offline.close();
    }
  });
});
