import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROJECT_RUN_BYTES } from '../../../../shared/protocol/runs.js';
import {
  LocalTerminalClientMessage,
  MAX_LOCAL_TERMINAL_FILES,
  type LocalTerminalServerMessage,
} from '../../../../shared/protocol/terminals.js';
import {
  ACK_BATCH_BYTES,
  LOCAL_TERMINAL_REFUSED,
  LocalTerminalConnection,
  localTerminalOpenMessage,
  type LocalTerminalEvents,
  type LocalTerminalSource,
} from './local-terminal-connection.js';
import type { TerminalConnectionState } from './terminal-connection.js';

/**
 * The connection against a real `ws` server standing in for the main process's /terminals socket. Node 20 has
 * no global WebSocket, so the test lends it the `ws` client (the same API a page has).
 */

// The module name is a plain string so the renderer's type-check does not pull in `ws`'s Node types.
const WS_MODULE: string = 'ws';

interface ServerSocket {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): void;
  on(event: 'close', listener: () => void): void;
}
interface Server {
  on(event: 'connection', listener: (socket: ServerSocket) => void): void;
  once(event: 'listening', listener: () => void): void;
  address(): { port: number };
  close(callback: () => void): void;
}
interface WsModule {
  WebSocket: unknown;
  WebSocketServer: new (options: {
    port: number;
    host: string;
    verifyClient?: (info: unknown, done: (ok: boolean, status?: number) => void) => void;
  }) => Server;
}

let ws: WsModule;
const servers: Server[] = [];
const connections: LocalTerminalConnection[] = [];
const globals = globalThis as { WebSocket?: unknown };

beforeAll(async () => {
  ws = (await import(/* @vite-ignore */ WS_MODULE)) as WsModule;
  globals.WebSocket = ws.WebSocket;
});
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.dispose();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});
afterAll(() => {
  delete globals.WebSocket;
});

/** A server that hands each connection to `handle`, and every client message (parsed, as the main process would) to `received`. */
async function startServer(handle: (socket: ServerSocket, received: LocalTerminalClientMessage[]) => void, refuse?: number) {
  const server = new ws.WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    ...(refuse ? { verifyClient: (_info, done) => done(false, refuse) } : {}),
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const received: LocalTerminalClientMessage[] = [];
  const closed: { value: boolean } = { value: false };
  let connectionCount = 0;
  server.on('connection', (socket) => {
    connectionCount++;
    socket.on('message', (data) => received.push(LocalTerminalClientMessage.parse(JSON.parse(data.toString()))));
    socket.on('close', () => (closed.value = true));
    handle(socket, received);
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}/terminals?token=t`,
    received,
    closed,
    connections: () => connectionCount,
  };
}

const send = (socket: ServerSocket, message: LocalTerminalServerMessage) => socket.send(JSON.stringify(message));

function recorder() {
  const seen = {
    states: [] as Array<{ state: TerminalConnectionState; detail?: string }>,
    progress: [] as string[],
    opened: [] as string[],
    output: '',
    exits: [] as unknown[],
    errors: [] as Array<{ code: string; message: string }>,
  };
  const events: LocalTerminalEvents = {
    data: (bytes) => (seen.output += new TextDecoder().decode(bytes)),
    reset: () => undefined,
    state: (state, detail) => seen.states.push(detail === undefined ? { state } : { state, detail }),
    exit: (exit) => seen.exits.push(exit),
    error: (code, message) => seen.errors.push({ code, message }),
    progress: (message) => seen.progress.push(message),
    opened: (language) => seen.opened.push(language),
  };
  return { seen, events };
}

function open(source: LocalTerminalSource, events: LocalTerminalEvents, size = { cols: 100, rows: 30 }) {
  const connection = new LocalTerminalConnection(source, events);
  connections.push(connection);
  connection.resize(size.cols, size.rows);
  connection.connect();
  return connection;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const files = [
  { path: 'main.py', content: 'print("hi")\n' },
  { path: 'lib/util.py', content: 'X = 1\n' },
];

describe('a terminal on this computer', () => {
  it('opens with the files and size, shows progress, then carries output, input and resizes until the shell exits', async () => {
    const server = await startServer((socket, received) => {
      socket.on('message', () => {
        const last = received.at(-1);
        if (last?.type === 'open') {
          send(socket, { type: 'progress', message: 'Building the python image on this computer (first use)…' });
          setTimeout(() => {
            send(socket, { type: 'opened', language: 'python' });
            socket.send(new TextEncoder().encode('$ '));
          }, 50);
        }
        if (last?.type === 'input' && last.data === 'exit\r') {
          send(socket, { type: 'exit', exitCode: 0, reason: 'exited' });
          socket.close(1000);
        }
      });
    });
    const { seen, events } = recorder();
    const connection = open({ url: async () => server.url, files: async () => files, language: 'python', entry: 'main.py' }, events);

    await until(() => seen.opened.length === 1, 'opened');
    expect(server.received).toEqual([{ type: 'open', language: 'python', entry: 'main.py', files, cols: 100, rows: 30 }]);
    expect(seen.progress).toEqual(['Building the python image on this computer (first use)…']);
    expect(seen.opened).toEqual(['python']);
    expect(seen.states).toEqual([{ state: 'connecting' }, { state: 'open' }]);
    await until(() => seen.output === '$ ', 'the prompt');

    connection.resize(100, 30); // the size the shell already has: nothing to send
    connection.resize(120, 40);
    connection.input('x'.repeat(20_000));
    connection.input('exit\r');
    await until(() => seen.exits.length === 1, 'the exit');
    expect(server.received.slice(1).map((message) => (message.type === 'input' ? message.data.length : message))).toEqual([
      { type: 'resize', cols: 120, rows: 40 },
      16_384,
      3616,
      5,
    ]);
    expect(seen.exits).toEqual([{ type: 'exit', exitCode: 0, reason: 'exited' }]);
    expect(seen.states.at(-1)).toEqual({ state: 'ended' });
  });

  it('keeps input typed before the shell runs and sends it, in order, once it does', async () => {
    const server = await startServer((socket, received) => {
      socket.on('message', () => {
        if (received.at(-1)?.type === 'open') setTimeout(() => send(socket, { type: 'opened', language: 'bash' }), 100);
      });
    });
    const { seen, events } = recorder();
    const connection = open({ url: async () => server.url, files: async () => [] }, events);
    await until(() => server.received.length === 1, 'the open message');
    connection.input('ec');
    connection.input('ho early\r');
    await until(() => seen.opened.length === 1, 'opened');
    connection.input('ls\r');
    await until(() => server.received.length === 3, 'the input');
    expect(server.received).toEqual([
      expect.objectContaining({ type: 'open' }),
      { type: 'input', data: 'echo early\r' },
      { type: 'input', data: 'ls\r' },
    ]);
  });

  it('ends the shell when disposed: the socket closes', async () => {
    const server = await startServer((socket) => send(socket, { type: 'opened', language: 'bash' }));
    const { seen, events } = recorder();
    const connection = open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.opened.length === 1, 'opened');
    connection.dispose();
    await until(() => server.closed.value, 'the server to see the close');
    // Hanging up on purpose is not reported as the shell going away.
    expect(seen.states).toEqual([{ state: 'connecting' }, { state: 'open' }]);
  });

  it('says the shell is gone when the connection drops, with the last error the main process sent', async () => {
    const server = await startServer((socket) => {
      send(socket, { type: 'opened', language: 'bash' });
      setTimeout(() => {
        send(socket, { type: 'error', code: 'unavailable', message: 'Docker stopped on this computer.' });
        socket.close(1011, 'engine gone');
      }, 50);
    });
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.states.length === 3, 'the end');
    expect(seen.errors).toEqual([{ code: 'unavailable', message: 'Docker stopped on this computer.' }]);
    expect(seen.states[2]).toEqual({
      state: 'gone',
      detail: 'The terminal on this computer stopped: Docker stopped on this computer. Open a new one.',
    });
  });

  it('does not blame a drop on an earlier refusal the shell outlived', async () => {
    const server = await startServer((socket) => {
      send(socket, { type: 'opened', language: 'bash' });
      send(socket, { type: 'error', code: 'busy', message: 'The shell is not reading its input yet; this input was dropped.' });
      setTimeout(() => socket.close(1001, 'quitting'), 50);
    });
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.states.length === 3, 'the end');
    expect(seen.errors.map((error) => error.code)).toEqual(['busy']);
    expect(seen.states[2]).toEqual({
      state: 'gone',
      detail: 'The terminal on this computer stopped: the connection to Tandem closed (quitting). Open a new one.',
    });
  });

  it('acknowledges drawn output: a big batch at once, the last bytes soon after, adding up to what was drawn', async () => {
    const big = 3 * ACK_BATCH_BYTES + 123;
    const server = await startServer((socket) => {
      send(socket, { type: 'opened', language: 'bash' });
      socket.send(new Uint8Array(big).fill(0x61));
      setTimeout(() => socket.send(new TextEncoder().encode('$ ')), 20);
    });
    const { seen, events } = recorder();
    let drawn = 0;
    // As the screen does: each chunk is acknowledged once xterm has drawn it.
    const connection: LocalTerminalConnection = open(
      { url: async () => server.url, files: async () => files },
      {
        ...events,
        data: (bytes) => {
          events.data(bytes);
          drawn += bytes.byteLength;
          connection.written(bytes.byteLength);
        },
      },
    );
    const acked = () => server.received.flatMap((message) => (message.type === 'ack' ? [message.bytes] : []));
    await until(() => acked().reduce((sum, bytes) => sum + bytes, 0) === big + 2, 'every byte acknowledged');
    expect(drawn).toBe(big + 2);
    // The big chunk is acknowledged as it is drawn; the prompt's two bytes are not held back for more output.
    expect(acked()).toEqual([big, 2]);
    expect(seen.output.endsWith('$ ')).toBe(true);
  });

  it('says the shell is gone when the socket just drops', async () => {
    const server = await startServer((socket) => {
      send(socket, { type: 'opened', language: 'bash' });
      setTimeout(() => socket.close(1001, 'quitting'), 50);
    });
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.states.length === 3, 'the end');
    expect(seen.states[2]).toEqual({
      state: 'gone',
      detail: 'The terminal on this computer stopped: the connection to Tandem closed (quitting). Open a new one.',
    });
  });

  it('fails with what the main process said when the shell cannot start', async () => {
    const server = await startServer((socket) =>
      send(socket, { type: 'error', code: 'unavailable', message: 'Docker is not running on this computer. Start Docker Desktop' }),
    );
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.states.length === 2, 'the failure');
    expect(seen.states[1]).toEqual({
      state: 'failed',
      detail: 'The terminal on this computer could not start: Docker is not running on this computer. Start Docker Desktop.',
    });
    expect(seen.errors).toEqual([]);
    await until(() => server.closed.value, 'the socket to close');
  });

  it.each([401, 403, 503])('explains a refusal at the upgrade (HTTP %i)', async (status) => {
    const server = await startServer(() => undefined, status);
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.states.length === 2, 'the refusal');
    expect(seen.states[1]).toEqual({ state: 'failed', detail: LOCAL_TERMINAL_REFUSED });
    expect(server.connections()).toBe(0);
  });

  it('reports a message it does not understand and goes on', async () => {
    const server = await startServer((socket) => {
      send(socket, { type: 'opened', language: 'bash' });
      socket.send(JSON.stringify({ type: 'opened', language: 'cobol' }));
      socket.send(new TextEncoder().encode('still here'));
    });
    const { seen, events } = recorder();
    open({ url: async () => server.url, files: async () => files }, events);
    await until(() => seen.output === 'still here', 'the output');
    expect(seen.errors.map((error) => error.code)).toEqual(['bad_response']);
    expect(seen.opened).toEqual(['bash']);
    expect(seen.states.at(-1)).toEqual({ state: 'open' });
  });

  it('fails before connecting when the files cannot be read or are too many', async () => {
    const server = await startServer(() => undefined);
    const unreadable = recorder();
    open(
      {
        url: async () => server.url,
        files: async () => {
          throw new Error('main.py is not on this device yet; open the project online once.');
        },
      },
      unreadable.events,
    );
    const tooMany = recorder();
    const many = Array.from({ length: MAX_LOCAL_TERMINAL_FILES + 1 }, (_, index) => ({ path: `f${index}.txt`, content: '' }));
    open({ url: async () => server.url, files: async () => many }, tooMany.events);
    const noEngine = recorder();
    open(
      {
        url: async () => {
          throw new Error('Docker is not running.');
        },
        files: async () => files,
      },
      noEngine.events,
    );
    await until(() => [unreadable, tooMany, noEngine].every(({ seen }) => seen.states.length === 2), 'the failures');
    expect(unreadable.seen.states[1]).toEqual({
      state: 'failed',
      detail: 'The terminal could not start: main.py is not on this device yet; open the project online once.',
    });
    expect(tooMany.seen.states[1]).toEqual({
      state: 'failed',
      detail: `The terminal could not start: a terminal on this computer takes at most ${MAX_LOCAL_TERMINAL_FILES} files, and this project has ${MAX_LOCAL_TERMINAL_FILES + 1}.`,
    });
    expect(noEngine.seen.states[1]).toEqual({
      state: 'failed',
      detail: 'Tandem could not start a terminal on this computer: Docker is not running. Restart Tandem if it keeps happening.',
    });
    expect(server.connections()).toBe(0);
  });
});

describe('localTerminalOpenMessage', () => {
  it('makes a message the main process accepts', () => {
    const message = localTerminalOpenMessage(files, { cols: 80, rows: 24 }, { language: 'python', entry: 'main.py' });
    expect(LocalTerminalClientMessage.parse(message)).toEqual({
      type: 'open',
      language: 'python',
      entry: 'main.py',
      files,
      cols: 80,
      rows: 24,
    });
    expect(localTerminalOpenMessage([], { cols: 80, rows: 24 })).toEqual({ type: 'open', files: [], cols: 80, rows: 24 });
  });

  it('refuses what the main process would refuse, in words', () => {
    const big = [{ path: 'big.txt', content: 'x'.repeat(MAX_PROJECT_RUN_BYTES + 1) }];
    expect(() => localTerminalOpenMessage(big, { cols: 80, rows: 24 })).toThrow(/at most 16 MiB of files, and this project has 16\.0 MiB/);
    expect(() => localTerminalOpenMessage([{ path: '../escape.sh', content: '' }], { cols: 80, rows: 24 })).toThrow(
      /may not contain "\.\."/,
    );
  });
});
