import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AuthResponse,
  ErrorBody,
  LanguagesResponse,
  RunResponse,
  RunStreamServerMessage,
  WsTicketResponse,
} from '../../../shared/protocol/index.js';
import { requireComponent } from '../../test-support/components.js';
import { newAccount, startTestServer, type TestServer } from '../../test-support/test-server.js';

const images = await requireComponent('sandbox-images');

const python = (content: string, extra: Record<string, unknown> = {}) => ({
  language: 'python',
  files: [{ path: 'main.py', content }],
  ...extra,
});

describe.runIf(images.available)('code execution through the server', () => {
  let t: TestServer;
  const users: AuthResponse[] = [];
  beforeAll(async () => {
    t = await startTestServer('embedded');
    for (let i = 0; i < 10; i += 1) users.push(AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('coder'))).body));
  });
  afterAll(async () => {
    const driver = t.server.driver;
    await t.close();
    expect(await driver.ownContainers()).toEqual([]);
  });

  const token = (i = 0) => users[i]!.accessToken;
  const run = (body: unknown, i = 0) => t.api.post('/api/runs', body, { token: token(i) });

  function openStream(
    i = 0,
  ): Promise<{ socket: WebSocket; messages: RunStreamServerMessage[]; next: (type: string) => Promise<RunStreamServerMessage> }> {
    return t.api.post('/api/ws-ticket', undefined, { token: token(i) }).then(
      (response) =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(
            `${t.url.replace('http', 'ws')}/api/runs/stream?ticket=${WsTicketResponse.parse(response.body).ticket}`,
          );
          const messages: RunStreamServerMessage[] = [];
          const waiters: Array<{ type: string; resolve: (m: RunStreamServerMessage) => void }> = [];
          socket.on('message', (data) => {
            const message = RunStreamServerMessage.parse(JSON.parse(data.toString()));
            messages.push(message);
            const index = waiters.findIndex((w) => w.type === message.type);
            if (index >= 0) {
              (message as { consumed?: boolean }).consumed = true;
              waiters.splice(index, 1)[0]!.resolve(message);
            }
          });
          const next = (type: string) =>
            new Promise<RunStreamServerMessage>((res) => {
              const seen = messages.find((m) => m.type === type && !(m as { consumed?: boolean }).consumed);
              if (seen) {
                (seen as { consumed?: boolean }).consumed = true;
                res(seen);
              } else waiters.push({ type, resolve: res });
            });
          socket.once('open', () => resolve({ socket, messages, next }));
          socket.once('error', reject);
        }),
    );
  }

  it('lists the languages with a hello-world template each', async () => {
    const response = await t.api.get('/api/languages', { token: token() });
    const languages = LanguagesResponse.parse(response.body);
    expect(languages.map((l) => l.id).sort()).toEqual(['bash', 'c', 'cpp', 'go', 'java', 'javascript', 'python']);
    for (const language of languages) expect(language.template).toContain('Hello, world!');
  });

  it('runs a program with stdin and records the run', async () => {
    const response = await run(python('import sys\nprint("got", sys.stdin.read())\n', { stdin: 'h\u00E9llo \u{1F600}' }));
    expect(response.status).toBe(200);
    const result = RunResponse.parse(response.body);
    expect(result).toMatchObject({ stdout: 'got h\u00E9llo \u{1F600}\n', stderr: '', exitCode: 0, phase: 'run' });
    const recorded = await t.server.database.prisma.run.findUniqueOrThrow({ where: { id: result.runId } });
    expect(recorded).toMatchObject({ userId: users[0]!.user.id, language: 'python', status: 'finished', exitCode: 0, stopped: false });
  });

  it('reports a compile error', async () => {
    const result = RunResponse.parse(
      (await run({ language: 'cpp', files: [{ path: 'main.cpp', content: 'int main() { return nope; }' }] })).body,
    );
    expect(result.phase).toBe('compile');
    expect(result.stderr).toMatch(/nope/);
  });

  describe('bad input', () => {
    it.each([
      [
        'an unknown language',
        { language: 'cobol', files: [{ path: 'a.cob', content: '' }] },
        400,
        /Use one of: python, javascript, c, cpp, java, go, bash/,
      ],
      ['a path with ..', python('', { files: [{ path: '../etc/passwd', content: '' }] }), 400, /"\.\."/],
      ['an absolute path', python('', { files: [{ path: '/etc/passwd', content: '' }] }), 400, /relative path/],
      ['a NUL in a path', python('', { files: [{ path: 'a\u0000.py', content: '' }] }), 400, /control characters/],
      [
        '51 files',
        python('', { files: Array.from({ length: 51 }, (_, i) => ({ path: `f${i}.py`, content: '' })) }),
        400,
        /at most 50 files/,
      ],
      ['no files', { language: 'python', files: [] }, 400, /at least one file/],
      [
        'two files and no entry',
        python('', {
          files: [
            { path: 'a.py', content: '' },
            { path: 'b.py', content: '' },
          ],
        }),
        400,
        /add "entry"/,
      ],
      ['an entry not sent', python('x', { entry: 'other.py' }), 400, /not among the files/],
      [
        'the same path twice',
        python('', {
          files: [
            { path: 'main.py', content: '' },
            { path: 'main.py', content: '' },
          ],
        }),
        400,
        /sent twice/,
      ],
      ['a time limit above the allowance', python('', { limits: { timeoutMs: 120000 } }), 400, /allowance of 60000 ms/],
      ['a memory limit above the allowance', python('', { limits: { memoryMb: 4096 } }), 400, /allowance of 1024 MB/],
      [
        'a file that another path uses as a folder',
        python('', {
          files: [
            { path: 'main.py', content: '' },
            { path: 'main.py/x.py', content: '' },
          ],
          entry: 'main.py',
        }),
        400,
        /used as a folder/,
      ],
      ['a CPU share too small to limit', python('', { limits: { cpus: 0.001 } }), 400, /at least 0\.01 CPU/],
      ['a memory limit too small', python('', { limits: { memoryMb: 4 } }), 400, /at least 32 MB/],
      ['files over 1 MiB', python('#'.repeat(1024 * 1024 - 100), { stdin: 'x'.repeat(200) }), 413, /at most 1048576 bytes/],
    ])('refuses %s', async (_name, body, status, message) => {
      const response = await run(body);
      expect(response.status).toBe(status);
      expect(ErrorBody.parse(response.body).error.message).toMatch(message);
    });
  });

  it('streams output in order, takes stdin as it comes, and ends with the exit', async () => {
    const stream = await openStream(1);
    stream.socket.send(
      JSON.stringify({
        type: 'start',
        ...python('import sys\nprint("ready", flush=True)\nline = sys.stdin.readline()\nprint("echo:", line.strip(), file=sys.stderr)\n'),
      }),
    );
    const started = await stream.next('started');
    await stream.next('stdout');
    stream.socket.send(JSON.stringify({ type: 'stdin', data: 'typed live\n' }));
    const exit = await stream.next('exit');
    expect(exit).toMatchObject({ type: 'exit', exitCode: 0, runId: (started as { runId: string }).runId });
    // Chunk boundaries depend on timing; what matters is the order of the streams and the text.
    const output: string[] = [];
    for (const message of stream.messages) {
      if (message.type !== 'stdout' && message.type !== 'stderr') continue;
      const last = output.at(-1);
      if (last?.startsWith(`${message.type}:`)) output[output.length - 1] = last + message.data;
      else output.push(`${message.type}:${message.data}`);
    }
    expect(output).toEqual(['stdout:ready\n', 'stderr:echo: typed live\n']);
    stream.socket.close();
  });

  it('stops a run from the stream, and from anywhere by its id', async () => {
    const stream = await openStream(2);
    stream.socket.send(JSON.stringify({ type: 'start', ...python('import time\nprint("go", flush=True)\ntime.sleep(60)\n') }));
    await stream.next('started');
    await stream.next('stdout');
    stream.socket.send(JSON.stringify({ type: 'stop' }));
    expect(await stream.next('exit')).toMatchObject({ stopped: true });

    stream.socket.send(JSON.stringify({ type: 'start', ...python('import time\nprint("again", flush=True)\ntime.sleep(60)\n') }));
    const { runId } = (await stream.next('started')) as { runId: string };
    await stream.next('stdout');
    expect((await t.api.post(`/api/runs/${runId}/stop`, undefined, { token: token(3) })).status).toBe(404);
    expect((await t.api.post(`/api/runs/${runId}/stop`, undefined, { token: token(2) })).status).toBe(204);
    expect(await stream.next('exit')).toMatchObject({ stopped: true });
    expect((await t.api.post(`/api/runs/${runId}/stop`, undefined, { token: token(2) })).status).toBe(409);
    stream.socket.close();
  });

  it('stops the run of a client that hung up', async () => {
    const http = await import('node:http');
    const body = JSON.stringify(python('import time\ntime.sleep(30)\n'));
    const request = http.request(`${t.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token(6)}` },
    });
    request.on('error', () => undefined);
    request.end(body);
    const userId = users[6]!.user.id;
    await expect.poll(() => t.server.database.prisma.run.count({ where: { userId, status: 'running' } })).toBe(1);
    request.destroy();
    await expect
      .poll(() => t.server.database.prisma.run.count({ where: { userId, status: 'finished', stopped: true } }), { timeout: 10_000 })
      .toBe(1);
  });

  it('refuses stdin the program is not reading once 1 MiB waits, without holding it all', async () => {
    const stream = await openStream(7);
    stream.socket.send(JSON.stringify({ type: 'start', ...python('import time\nprint("busy", flush=True)\ntime.sleep(30)\n') }));
    await stream.next('stdout');
    const chunk = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 40; i += 1) stream.socket.send(JSON.stringify({ type: 'stdin', data: chunk }));
    const refused = await stream.next('error');
    expect(refused).toMatchObject({ code: 'rate_limited' });
    stream.socket.send(JSON.stringify({ type: 'stop' }));
    expect(await stream.next('exit')).toMatchObject({ stopped: true });
    stream.socket.close();
  });

  it('allows two runs at once per user and refuses a third with 429', async () => {
    const sleeper = python('import time\ntime.sleep(30)\n');
    const first = run(sleeper, 4);
    const second = run(sleeper, 4);
    await expect
      .poll(async () => await t.server.database.prisma.run.count({ where: { userId: users[4]!.user.id, status: 'running' } }))
      .toBe(2);
    const third = await run(python('print(1)'), 4);
    expect(third.status).toBe(429);
    expect(ErrorBody.parse(third.body).error.message).toMatch(/already have 2 runs going/);
    expect((await run(python('print("other user")'), 5)).status).toBe(200);
    const running = await t.server.database.prisma.run.findMany({ where: { userId: users[4]!.user.id, status: 'running' } });
    for (const { id } of running) expect((await t.api.post(`/api/runs/${id}/stop`, undefined, { token: token(4) })).status).toBe(204);
    expect(RunResponse.parse((await first).body).stopped).toBe(true);
    expect(RunResponse.parse((await second).body).stopped).toBe(true);
  });

  it('keeps answering /health while a fork bomb runs', async () => {
    const bomb = run({
      language: 'bash',
      files: [{ path: 'main.sh', content: 'bomb() { bomb | bomb & }; bomb\nwait\n' }],
      limits: { timeoutMs: 4000 },
    });
    const healthy: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      healthy.push((await t.api.get('/health')).status);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(healthy.every((status) => status === 200)).toBe(true);
    expect((await bomb).status).toBe(200);
  });

  it('finishes 20 concurrent runs from 10 users', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => run(python(`print(${i} * 2)`), i % 10)));
    expect(all.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(all.map((response) => RunResponse.parse(response.body).stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i * 2}\n`));
  });
});

describe('code execution without Docker', () => {
  it('answers 503 with what to do, within two seconds', async () => {
    const t = await startTestServer('embedded', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    try {
      const auth = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('nodock'))).body);
      const started = Date.now();
      const response = await t.api.post('/api/runs', python('print(1)'), { token: auth.accessToken });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(response.status).toBe(503);
      expect(ErrorBody.parse(response.body).error.message).toMatch(/Start Docker, or set DOCKER_HOST|Start Docker \(or set DOCKER_HOST\)/);
    } finally {
      await t.close();
    }
  });
});
