import diagnostics from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_PROJECT_RUN_BYTES } from '../../../shared/protocol/runs.js';
import { LocalTerminalServerMessage, type LocalTerminalClientMessage, type LocalTerminalOpen } from '../../../shared/protocol/terminals.js';
import { DockerSandboxDriver } from '../../../shared/sandbox/docker-driver.js';
import { currentDockerEnvironment, resolveDockerEndpoint } from '../../../shared/sandbox/docker-endpoint.js';
import { requireSandboxImages } from '../../../shared/sandbox/test-support.js';
import { APP_ORIGIN } from '../security.js';
import { LocalRunServer, MAX_LOCAL_TERMINALS, MAX_STARTING_OR_OPEN_TERMINALS } from './local-run-server.js';
import { ACK_STALL_MS, HIGH_WATER } from './local-terminal-session.js';
import { handshakeStatus } from '../testing/fixtures.js';

/** The stall note's delay in these tests; the app waits ACK_STALL_MS. */
const STALL_MS = 2000;

const images = await requireSandboxImages();
const DEV_SERVER = 'http://localhost:5173';
const engine = async () => resolveDockerEndpoint(currentDockerEnvironment());
const sandboxes = new DockerSandboxDriver(resolveDockerEndpoint(currentDockerEnvironment()));

let server: LocalRunServer;

beforeAll(async () => {
  server = await LocalRunServer.start({ endpoint: engine, trusted: { origins: [APP_ORIGIN, DEV_SERVER] } });
});
afterAll(() => server?.close());

/** Every test's sockets, so a failed test leaves no shell behind for the next one to count. */
const sockets = new Set<WebSocket>();
afterEach(async () => {
  for (const socket of sockets) socket.terminate();
  sockets.clear();
  if (images.available) expect(await noSandboxesLeft()).toEqual([]);
});

type Message = LocalTerminalServerMessage;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A page's terminal socket: every JSON message parsed with the protocol's schema, every output byte kept and,
 * unless `acks` is false, acknowledged as soon as it arrives (as the page does once xterm has drawn it).
 */
async function connect(url = server.terminalUrl, { acks = true } = {}) {
  const socket = new WebSocket(url, { origin: APP_ORIGIN });
  sockets.add(socket);
  const messages: Message[] = [];
  const chunks: Buffer[] = [];
  let outputBytes = 0;
  let acking = acks;
  let unacked = 0;
  const ackAll = () => {
    if (unacked === 0 || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'ack', bytes: unacked } satisfies LocalTerminalClientMessage));
    unacked = 0;
  };
  /** The last few KiB of output, for prompts and markers without joining megabytes each time. */
  let tail = '';
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((resolve) => resolve());
  socket.on('message', (data, isBinary) => {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    if (isBinary) {
      outputBytes += buffer.length;
      unacked += buffer.length;
      if (acking) ackAll();
      if (chunks.length < 1000) chunks.push(buffer);
      tail = (tail + buffer.toString('utf8')).slice(-4096);
    } else messages.push(LocalTerminalServerMessage.parse(JSON.parse(buffer.toString('utf8'))));
    wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      wake();
      resolve({ code, reason: reason.toString() });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const wait = async (done: () => boolean, what: () => string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const client = {
    socket,
    messages,
    closed,
    send: (message: LocalTerminalClientMessage | string) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    output: () => Buffer.concat(chunks).toString('utf8'),
    outputBytes: () => outputBytes,
    /** Output received and not acknowledged. */
    unacked: () => unacked,
    /** The page keeps reading its socket but acknowledges nothing (xterm has fallen behind). */
    holdAcks: () => (acking = false),
    /** Acknowledges what arrived meanwhile, and from now on everything as it arrives. */
    resumeAcks: () => {
      acking = true;
      ackAll();
    },
    tail: () => tail,
    async message<T extends Message['type']>(type: T, timeoutMs?: number): Promise<Extract<Message, { type: T }>> {
      await wait(
        () => messages.some((message) => message.type === type),
        () => `a ${type} message; got ${JSON.stringify(messages)}`,
        timeoutMs,
      );
      return messages.find((message) => message.type === type) as Extract<Message, { type: T }>;
    },
    /** Waits until the output's tail matches, and returns the match. */
    async sees(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
      await wait(
        () => pattern.test(tail),
        () => `${pattern} in the output; it ends with ${JSON.stringify(tail.slice(-300))}`,
        timeoutMs,
      );
      return tail.match(pattern)!;
    },
    /** Types a command line. */
    type: (line: string) => client.send({ type: 'input', data: `${line}\n` }),
  };
  return client;
}

const open = (fields: Partial<LocalTerminalOpen> = {}): LocalTerminalOpen => ({ type: 'open', files: [], cols: 80, rows: 24, ...fields });

async function noSandboxesLeft(timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while ((await sandboxes.ownContainers()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  return sandboxes.ownContainers();
}

/**
 * An engine lookup that answers only once the test says so: a terminal stays `opening` for as long as the
 * test likes, as it does for minutes while the first terminal of a language builds its image.
 */
function gatedEngine() {
  let answer!: () => void;
  const gate = new Promise<void>((resolve) => (answer = resolve));
  let asked = 0;
  return {
    endpoint: async () => {
      asked += 1;
      await gate;
      return engine();
    },
    asked: () => asked,
    answer,
  };
}

/**
 * The real engine behind a socket of our own that holds every container creation until the test lets them go:
 * a terminal stays inside the driver's openTerminal, its sandbox on its way, for as long as the test likes.
 */
async function gatedDockerEngine() {
  const real = resolveDockerEndpoint(currentDockerEnvironment()).options;
  const dir = await mkdtemp(join(tmpdir(), 'tandem-gated-docker-'));
  const path = join(dir, 'docker.sock');
  let released = false;
  let creations = 0;
  const held: Array<() => void> = [];
  const connections = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const engine = real.socketPath ? net.connect(real.socketPath) : net.connect(Number(real.port), String(real.host));
    for (const socket of [client, engine]) {
      connections.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        connections.delete(socket);
        client.destroy();
        engine.destroy();
      });
    }
    engine.pipe(client);
    client.on('end', () => engine.end());
    client.on('data', (chunk: Buffer) => {
      if (!released && /(^|\r\n)POST \S*\/containers\/create/.test(chunk.toString('latin1'))) {
        creations += 1;
        client.pause();
        held.push(() => {
          engine.write(chunk);
          client.resume();
        });
      } else engine.write(chunk);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(path, resolve));
  return {
    endpoint: { description: `the test's gate (unix://${path})`, options: { socketPath: path } },
    /** Container creations asked for so far, held or let through. */
    creations: () => creations,
    release: () => {
      released = true;
      for (const go of held.splice(0)) go();
    },
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The socket of every HTTP request this process makes from now on (Node's own diagnostics channel), new or
 * reused from the keep-alive pool: the Docker engine's connections, each shell's attached stream among them,
 * and the pages' WebSocket handshakes.
 */
function watchClientSockets() {
  const sockets = new Set<net.Socket>();
  const record = (message: unknown) => {
    const { request } = message as { request: http.ClientRequest };
    if (request.socket) sockets.add(request.socket);
    else request.once('socket', (socket) => sockets.add(socket));
  };
  diagnostics.subscribe('http.client.request.start', record);
  return {
    /** Those still held: neither destroyed nor idle in the HTTP agent's keep-alive pool. */
    held: () => {
      const idle = new Set(Object.values(http.globalAgent.freeSockets).flat());
      return [...sockets].filter((socket) => !socket.destroyed && !idle.has(socket));
    },
    stop: () => diagnostics.unsubscribe('http.client.request.start', record),
  };
}

/** Connects as soon as the server admits another terminal (it sees a close a moment after the page does). */
async function admitted(url: string, timeoutMs = 5000): Promise<Awaited<ReturnType<typeof connect>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe('the terminals handshake', () => {
  it('has its own path with the run stream’s token', () => {
    expect(server.terminalUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/terminals\?token=[A-Za-z0-9_-]{43}$/);
    expect(new URL(server.terminalUrl).searchParams.get('token')).toBe(new URL(server.url).searchParams.get('token'));
  });

  it('refuses a missing or wrong token and origins other than the app and its dev server', async () => {
    const url = new URL(server.terminalUrl);
    const token = url.searchParams.get('token')!;
    const withToken = (value: string | undefined) => `ws://${url.host}/terminals${value === undefined ? '' : `?token=${value}`}`;
    expect(await handshakeStatus(withToken(undefined), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(withToken(`${token.slice(0, -1)}x`), APP_ORIGIN)).toBe(401);
    expect(await handshakeStatus(server.terminalUrl, 'https://evil.example.com')).toBe(403);
    expect(await handshakeStatus(server.terminalUrl, 'app://evil')).toBe(403);
    expect(await handshakeStatus(server.terminalUrl, undefined)).toBe(403);
    expect(await handshakeStatus(server.terminalUrl, APP_ORIGIN)).toBe('open');
    expect(await handshakeStatus(server.terminalUrl, DEV_SERVER)).toBe('open');
  });

  it(`admits at most ${MAX_LOCAL_TERMINALS} terminals at once (503), counted apart from the run stream's connections`, async () => {
    const terminals = await Promise.all(Array.from({ length: MAX_LOCAL_TERMINALS }, () => connect()));
    expect(await handshakeStatus(server.terminalUrl, APP_ORIGIN)).toBe(503);
    expect(await handshakeStatus(server.url, APP_ORIGIN)).toBe('open');
    terminals[0]!.socket.close();
    await terminals[0]!.closed;
    await expect.poll(() => handshakeStatus(server.terminalUrl, APP_ORIGIN)).toBe('open');
    await Promise.all(terminals.slice(1).map((terminal) => (terminal.socket.close(), terminal.closed)));
    // The next tests need the slots back.
    await expect.poll(() => handshakeStatus(server.terminalUrl, APP_ORIGIN)).toBe('open');
  });
});

describe('a first message that does not open a terminal', () => {
  it.each([
    ['text that is not JSON', 'not json', 'The first message opens the terminal'],
    ['input before open', JSON.stringify({ type: 'input', data: 'ls\n' }), 'The first message opens the terminal'],
    ['an open without its size', JSON.stringify({ type: 'open', files: [] }), '"cols"'],
    ['an open with a path outside /workspace', JSON.stringify(open({ files: [{ path: '/etc/passwd', content: '' }] })), '"files.0.path"'],
    ['an open with an unknown language', JSON.stringify({ ...open(), language: 'cobol' }), '"language"'],
  ])('%s: an error saying what to send, then the socket closes', async (_name, text, says) => {
    const client = await connect();
    client.send(text);
    expect(await client.message('error')).toMatchObject({ code: 'bad_request', message: expect.stringContaining(says) });
    expect((await client.closed).code).toBe(1008);
  });

  it('a binary frame: an error, then the socket closes', async () => {
    const client = await connect();
    client.socket.send(Buffer.from(JSON.stringify(open())));
    expect(await client.message('error')).toMatchObject({ code: 'bad_request' });
    expect((await client.closed).code).toBe(1008);
  });

  it('files that clash: validation_failed', async () => {
    const client = await connect();
    client.send(
      open({
        files: [
          { path: 'a', content: '' },
          { path: 'a/b.txt', content: '' },
        ],
      }),
    );
    expect(await client.message('error')).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('"a"') });
    expect((await client.closed).code).toBe(1008);
  });

  it(`files over ${MAX_PROJECT_RUN_BYTES} bytes in UTF-8: payload_too_large, with the numbers`, async () => {
    const client = await connect();
    // Half as many characters as bytes: what counts is the bytes.
    const content = 'é'.repeat(MAX_PROJECT_RUN_BYTES / 2) + 'x';
    client.send(open({ files: [{ path: 'big.txt', content }] }));
    const error = await client.message('error');
    expect(error).toMatchObject({ code: 'payload_too_large' });
    expect(error.message).toContain(String(MAX_PROJECT_RUN_BYTES + 1));
    expect(error.message).toContain(String(MAX_PROJECT_RUN_BYTES));
    expect((await client.closed).code).toBe(1008);
  });

  it('no Docker engine answering: unavailable, saying what to do', async () => {
    const offline = await LocalRunServer.start({
      endpoint: async () => {
        throw new Error('Docker engine at unix:///nowhere.sock is unreachable.');
      },
      trusted: { origins: [APP_ORIGIN] },
    });
    try {
      const client = await connect(offline.terminalUrl);
      client.send(open());
      expect(await client.message('error')).toMatchObject({ code: 'unavailable', message: expect.stringContaining('Start Docker') });
      expect((await client.closed).code).toBe(1011);
    } finally {
      await offline.close();
    }
  });
});

describe.runIf(images.available)('terminals on the local Docker engine', () => {
  it('a bash shell in /workspace with the files sent: input (even before it opened), resize, and its exit code', async () => {
    const client = await connect();
    client.send(
      open({
        files: [
          { path: 'notes.txt', content: 'first line\nsecond line\n' },
          { path: 'src/data.csv', content: 'a,b\n1,2\n' },
        ],
      }),
    );
    // Typed while the sandbox starts: applied once the shell runs.
    client.type('echo early-$((20+3))');
    expect(await client.message('opened')).toEqual({ type: 'opened', language: 'bash' });
    await client.sees(/early-23/);
    client.type('cat notes.txt src/data.csv');
    await client.sees(/first line\r\nsecond line\r\na,b\r\n1,2\r\n/);
    client.type('echo $((6*7)); pwd; command -v python3 || echo no-python');
    await client.sees(/\b42\r\n\/workspace\r\nno-python\r\n/);

    client.send({ type: 'resize', cols: 123, rows: 45 });
    // The resize goes to Docker on its own request; the size is there by the time the shell reads the next line.
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.type('stty size');
    await client.sees(/\b45 123\r\n/);

    // Mistakes after open are answered and the shell stays.
    client.send('{"type":"type"}');
    client.send(open());
    await expect
      .poll(() => client.messages.filter((message) => message.type === 'error'))
      .toEqual([expect.objectContaining({ code: 'bad_request' }), expect.objectContaining({ code: 'conflict' })]);
    expect(await sandboxes.ownContainers()).toHaveLength(1);

    client.type('exit 3');
    expect(await client.message('exit')).toEqual({ type: 'exit', exitCode: 3, reason: 'exited' });
    expect((await client.closed).code).toBe(1000);
    expect(client.messages.at(-1)?.type).toBe('exit');
    expect(await noSandboxesLeft()).toEqual([]);
  });

  it("opens in the language of `entry`'s extension: python's image for main.py", async () => {
    const client = await connect();
    client.send(open({ entry: 'main.py', files: [{ path: 'main.py', content: 'print("hi from main")\n' }] }));
    expect(await client.message('opened')).toEqual({ type: 'opened', language: 'python' });
    client.type('python3 --version && python3 main.py');
    await client.sees(/Python 3\.\d+\.\d+\r\nhi from main\r\n/);
    client.socket.close();
    await client.closed;
    expect(await noSandboxesLeft()).toEqual([]);
  });

  it('a page that hangs up: its sandbox is removed', async () => {
    const client = await connect();
    client.send(open());
    await client.message('opened');
    client.type('sleep 600');
    expect(await sandboxes.ownContainers()).toHaveLength(1);
    client.socket.terminate();
    expect(await noSandboxesLeft()).toEqual([]);
  });

  const flood = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo "FINISHED=$(date +%s%3N)"`;

  it('paces output by what the page has drawn (its acks), not by its socket, and loses none of it', async () => {
    const client = await connect();
    client.send(open());
    await client.message('opened');
    const bytes = 30_000_000;
    // The shell notes when it could write the last byte: with flow control, not before the page acks again.
    client.type(flood(bytes));
    await client.sees(/x{1000}/);
    // xterm falls behind: the page still reads its socket at once, but acknowledges nothing for 2 s.
    client.holdAcks();
    await sleep(1000);
    const held = client.outputBytes();
    await sleep(1000);
    expect(client.outputBytes()).toBe(held);
    expect(client.unacked()).toBeGreaterThan(0);
    expect(client.unacked()).toBeLessThan(HIGH_WATER + 256 * 1024);
    const resumedAt = Date.now();
    client.resumeAcks();
    const [, finishedAt] = await client.sees(/FINISHED=(\d+)\r\n/, 60_000);
    expect(Number(finishedAt)).toBeGreaterThan(resumedAt - 100);
    expect(client.outputBytes()).toBeGreaterThan(bytes);
    client.socket.close();
    await client.closed;
    expect(await noSandboxesLeft()).toEqual([]);
  });

  it('a page that acks without reading its socket is still held back by what it has not read', async () => {
    const client = await connect(server.terminalUrl, { acks: false });
    // Acks for far more than was sent, all the time: they count for what was sent, never more.
    const blindAcks = setInterval(() => client.send({ type: 'ack', bytes: 64 * 1024 * 1024 }), 20);
    try {
      client.send(open());
      await client.message('opened');
      const bytes = 30_000_000;
      client.type(flood(bytes));
      await client.sees(/x{1000}/);
      client.socket.pause();
      await sleep(2000);
      const resumedAt = Date.now();
      client.socket.resume();
      const [, finishedAt] = await client.sees(/FINISHED=(\d+)\r\n/, 60_000);
      expect(Number(finishedAt)).toBeGreaterThan(resumedAt - 100);
      expect(client.outputBytes()).toBeGreaterThan(bytes);
    } finally {
      clearInterval(blindAcks);
    }
    client.socket.close();
    await client.closed;
    expect(await noSandboxesLeft()).toEqual([]);
  });

  it(
    `a page that never acks: output stops at about ${HIGH_WATER} unacknowledged bytes, a note in the log after a while (${ACK_STALL_MS / 1000} s in the app), and the terminal stays open`,
    { timeout: 60_000 },
    async () => {
      const logged: string[] = [];
      const watched = await LocalRunServer.start({
        endpoint: engine,
        trusted: { origins: [APP_ORIGIN] },
        log: (message) => logged.push(message),
        ackStallMs: STALL_MS,
      });
      try {
        const client = await connect(watched.terminalUrl, { acks: false });
        client.send(open());
        await client.message('opened');
        // More than was sent (nothing, or the prompt): no credit for the output to come.
        client.send({ type: 'ack', bytes: 64 * 1024 * 1024 });
        client.type(flood(10_000_000));
        await expect.poll(() => client.outputBytes(), { timeout: 20_000 }).toBeGreaterThan(HIGH_WATER);
        await sleep(1500);
        const stoppedAt = client.outputBytes();
        expect(stoppedAt).toBeLessThan(HIGH_WATER + 256 * 1024);
        expect(client.tail()).not.toMatch(/FINISHED/);

        await expect
          .poll(() => logged.filter((line) => line.includes('not acknowledged')), { timeout: STALL_MS + 10_000, interval: 100 })
          .toHaveLength(1);
        expect(client.socket.readyState).toBe(WebSocket.OPEN);
        expect(client.outputBytes()).toBe(stoppedAt);
        expect(client.messages.filter((message) => message.type !== 'opened')).toEqual([]);

        // Once the page acks, the rest follows.
        client.resumeAcks();
        await client.sees(/FINISHED=(\d+)\r\n/, 30_000);
        expect(client.outputBytes()).toBeGreaterThan(10_000_000);
        expect(logged.filter((line) => line.includes('not acknowledged'))).toHaveLength(1);
        client.socket.close();
        await client.closed;
      } finally {
        await watched.close();
      }
      expect(await noSandboxesLeft()).toEqual([]);
    },
  );

  it("a page that leaves while its output is paused for its acks: the shell's stream from the engine goes with its sandbox", async () => {
    const sockets = watchClientSockets();
    try {
      const client = await connect(server.terminalUrl, { acks: false });
      client.send(open());
      await client.message('opened');
      // Endless output, never acknowledged: the shell is paused at the high mark, with output waiting in its stream.
      client.type('yes');
      await expect.poll(() => client.outputBytes(), { timeout: 20_000 }).toBeGreaterThan(HIGH_WATER);
      await sleep(500);
      const held = client.outputBytes();
      await sleep(500);
      expect(client.outputBytes()).toBe(held);
      // The page's socket, and the shell's stream from the engine.
      expect(sockets.held()).toHaveLength(2);

      const closedAt = Date.now();
      client.socket.close();
      await client.closed;
      expect(await noSandboxesLeft()).toEqual([]);
      const removedAfter = Date.now() - closedAt;
      // A paused stream never sees the engine hang up: unless let go, its socket stays for the app's life.
      await expect.poll(() => sockets.held().length, { timeout: 5000 }).toBe(0);
      // And the engine stops a sandbox whose output nobody reads only when it gives up, 10 s later.
      expect(removedAfter).toBeLessThan(5000);
    } finally {
      sockets.stop();
    }
  });

  it("quitting the app ends every terminal with reason 'shutdown' and removes its sandbox before close() resolves", async () => {
    const quitting = await LocalRunServer.start({ endpoint: engine, trusted: { origins: [APP_ORIGIN] } });
    const running = await Promise.all([connect(quitting.terminalUrl), connect(quitting.terminalUrl)]);
    for (const client of running) client.send(open());
    await Promise.all(running.map((client) => client.message('opened')));
    running[0]!.type('sleep 600');
    expect(await sandboxes.ownContainers()).toHaveLength(2);
    // One that has not said what to open, and one whose sandbox is still starting.
    const waiting = await connect(quitting.terminalUrl);
    const starting = await connect(quitting.terminalUrl);
    starting.send(open({ language: 'python' }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    await quitting.close();
    expect(await sandboxes.ownContainers()).toEqual([]);
    for (const client of [...running, waiting, starting]) {
      expect(await client.message('exit')).toMatchObject({ type: 'exit', reason: 'shutdown' });
      expect((await client.closed).code).toBe(1001);
    }
  });
});

describe.runIf(images.available)('a terminal whose page leaves, or whose app quits, while it opens', () => {
  it('a socket that closes while its terminal opens frees its slot at once, and no sandbox is created for it', async () => {
    const gated = gatedEngine();
    const slow = await LocalRunServer.start({ endpoint: gated.endpoint, trusted: { origins: [APP_ORIGIN] } });
    try {
      const first = await Promise.all(Array.from({ length: MAX_LOCAL_TERMINALS }, () => connect(slow.terminalUrl)));
      for (const client of first) client.send(open());
      await expect.poll(gated.asked).toBe(MAX_LOCAL_TERMINALS);
      expect(await handshakeStatus(slow.terminalUrl, APP_ORIGIN)).toBe(503);

      // The user closes and reopens the tabs while the engine still has not answered.
      for (const client of first) client.socket.close();
      await Promise.all(first.map((client) => client.closed));
      const second = [];
      for (let i = 0; i < MAX_LOCAL_TERMINALS; i++) second.push(await admitted(slow.terminalUrl));
      for (const client of second) client.send(open());
      await expect.poll(gated.asked).toBe(2 * MAX_LOCAL_TERMINALS);
      expect(await handshakeStatus(slow.terminalUrl, APP_ORIGIN)).toBe(503);

      gated.answer();
      await Promise.all(second.map((client) => client.message('opened')));
      // Only the open tabs got a sandbox.
      expect(await sandboxes.ownContainers()).toHaveLength(MAX_LOCAL_TERMINALS);
      for (const client of second) client.socket.close();
      await Promise.all(second.map((client) => client.closed));
      expect(await noSandboxesLeft()).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('a socket that closes while its sandbox is being created: the sandbox is removed as soon as it exists', async () => {
    const client = await connect();
    // Big files are unpacked into the started sandbox: it exists a while before the shell runs.
    client.send(open({ files: [{ path: 'big.txt', content: 'x'.repeat(MAX_PROJECT_RUN_BYTES - 1024) }] }));
    await expect.poll(() => sandboxes.ownContainers(), { timeout: 20_000, interval: 10 }).toHaveLength(1);
    client.socket.terminate();
    // The page left before the shell ran.
    expect(client.messages.map((message) => message.type)).not.toContain('opened');
    expect(await noSandboxesLeft()).toEqual([]);
    // And nothing comes back later.
    await sleep(1000);
    expect(await sandboxes.ownContainers()).toEqual([]);
  });

  it(`a page that keeps opening and closing terminals: at most ${MAX_STARTING_OR_OPEN_TERMINALS} open or still being created, then 503 (and a log line) until they are gone`, async () => {
    const docker = await gatedDockerEngine();
    const logged: string[] = [];
    const busy = await LocalRunServer.start({
      endpoint: async () => docker.endpoint,
      trusted: { origins: [APP_ORIGIN] },
      log: (message) => logged.push(message),
    });
    try {
      // Each socket closes once its sandbox is being created: its slot is free at once, its creation goes on.
      for (let i = 1; i <= MAX_STARTING_OR_OPEN_TERMINALS; i++) {
        const client = await connect(busy.terminalUrl);
        client.send(open());
        await expect.poll(docker.creations).toBe(i);
        client.socket.close();
        await client.closed;
      }
      const refusal = `0 terminals open and ${MAX_STARTING_OR_OPEN_TERMINALS} closed ones whose sandboxes are still starting or going`;
      await expect
        .poll(async () => [await handshakeStatus(busy.terminalUrl, APP_ORIGIN), logged.at(-1)])
        .toEqual([503, expect.stringContaining(refusal)]);
      expect(docker.creations()).toBe(MAX_STARTING_OR_OPEN_TERMINALS);

      // Once the engine answers, every one of them is created and removed, and terminals open again.
      docker.release();
      await expect.poll(() => handshakeStatus(busy.terminalUrl, APP_ORIGIN), { timeout: 30_000, interval: 200 }).toBe('open');
      expect(await noSandboxesLeft()).toEqual([]);
    } finally {
      // Quitting waits for the sandboxes being created.
      docker.release();
      await busy.close();
      await docker.close();
    }
  });

  it('quitting while terminals wait for the engine resolves at once and creates no sandbox, even when it answers later', async () => {
    const gated = gatedEngine();
    const quitting = await LocalRunServer.start({ endpoint: gated.endpoint, trusted: { origins: [APP_ORIGIN] } });
    const clients = await Promise.all([connect(quitting.terminalUrl), connect(quitting.terminalUrl)]);
    for (const client of clients) client.send(open({ language: 'python' }));
    await expect.poll(gated.asked).toBe(2);
    // One socket already closed: its terminal no longer counts, but quitting still ends it.
    clients[1]!.socket.close();
    await clients[1]!.closed;

    const asked = Date.now();
    const closed = await Promise.race([quitting.close().then(() => 'closed'), sleep(5000).then(() => 'still waiting for the engine')]);
    expect(closed).toBe('closed');
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(await clients[0]!.message('exit')).toMatchObject({ type: 'exit', reason: 'shutdown' });
    expect((await clients[0]!.closed).code).toBe(1001);

    gated.answer();
    await sleep(1500);
    expect(await sandboxes.ownContainers()).toEqual([]);
  });
});
