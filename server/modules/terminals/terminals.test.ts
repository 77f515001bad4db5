import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AuthResponse,
  CreateTerminalResponse,
  MemberResponse,
  ProjectResponse,
  ProjectTerminalsResponse,
  TerminalServerMessage,
  WsCloseCode,
  WsTicketResponse,
} from '../../../shared/protocol/index.js';
import { requireComponent } from '../../test-support/components.js';
import { newAccount, startTestServer, type TestServer } from '../../test-support/test-server.js';

const images = await requireComponent('sandbox-images');

interface Client {
  socket: WebSocket;
  /** Everything the terminal printed to this client so far. */
  screen: () => string;
  control: TerminalServerMessage[];
  closed: Promise<number>;
}

describe.runIf(images.available)('terminals', () => {
  let t: TestServer;
  let alice: AuthResponse;
  let bob: AuthResponse;
  beforeAll(async () => {
    t = await startTestServer('embedded', { TERMINAL_IDLE_SECONDS: '5' });
    alice = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('alice'))).body);
    bob = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('bob'))).body);
  });
  afterAll(async () => {
    const driver = t.server.driver;
    await t.close();
    expect(await driver.ownContainers()).toEqual([]);
  });

  async function create(token = alice.accessToken, body: unknown = {}) {
    const response = await t.api.post('/api/terminals', body, { token });
    expect(response.status).toBe(201);
    return CreateTerminalResponse.parse(response.body).terminalId;
  }

  async function attach(id: string, token = alice.accessToken): Promise<Client> {
    const ticket = WsTicketResponse.parse((await t.api.post('/api/ws-ticket', undefined, { token })).body).ticket;
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/terminals/${id}?ticket=${ticket}`);
    let screen = '';
    const control: TerminalServerMessage[] = [];
    socket.on('message', (data, isBinary) => {
      if (isBinary) screen += data.toString();
      else control.push(TerminalServerMessage.parse(JSON.parse(data.toString())));
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    // Compared as a person reads it: without terminal control sequences (colours, bracketed paste).
    const plain = () =>
      screen
        // eslint-disable-next-line no-control-regex -- ESC is what starts them
        .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
        .replace(/\r+\n/g, '\n')
        .replace(/\r/g, '');
    return { socket, screen: plain, control, closed };
  }

  const type = (client: Client, data: string) => client.socket.send(JSON.stringify({ type: 'input', data }));

  it('is a real shell: typing echo hi shows hi to every attached client, and resizing reaches stty', async () => {
    const id = await create();
    const first = await attach(id);
    const second = await attach(id);
    type(first, 'echo h""i\r');
    // The shell echoes the typed line (with the quotes); only the command's output is a bare "hi" line.
    await expect.poll(() => first.screen(), { timeout: 10_000 }).toMatch(/\nhi\n/);
    await expect.poll(() => second.screen(), { timeout: 10_000 }).toMatch(/\nhi\n/);

    second.socket.send(JSON.stringify({ type: 'resize', cols: 100, rows: 40 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    type(second, 'stty size\r');
    await expect.poll(() => first.screen(), { timeout: 10_000 }).toMatch(/\n40 100\n/);

    // Reconnecting shows recent output first.
    const third = await attach(id);
    await expect.poll(() => third.screen()).toMatch(/40 100/);

    type(first, 'exit\r');
    for (const client of [first, second, third]) {
      expect(await client.closed).toBe(1000);
      expect(client.control).toContainEqual({ type: 'exit', exitCode: 0, reason: 'exited' });
    }
  });

  it('runs as the unprivileged runner with no network by default', async () => {
    const id = await create();
    const client = await attach(id);
    type(client, 'id -u; cat /sys/class/net/*/operstate | wc -l; ls /sys/class/net\r');
    await expect.poll(() => client.screen(), { timeout: 10_000 }).toMatch(/\n10001\n1\nlo\n/);
    expect((await t.api.request('DELETE', `/api/terminals/${id}`, { token: alice.accessToken })).status).toBe(204);
    expect(await client.closed).toBe(1000);
    expect(client.control).toContainEqual(expect.objectContaining({ type: 'exit', reason: 'deleted' }));
  });

  it('is yours alone: another user can neither attach nor delete it', async () => {
    const id = await create();
    const intruder = await attach(id, bob.accessToken);
    expect(await intruder.closed).toBe(WsCloseCode.notFound);
    expect((await t.api.request('DELETE', `/api/terminals/${id}`, { token: bob.accessToken })).status).toBe(404);
    expect((await t.api.request('DELETE', `/api/terminals/${id}`, { token: alice.accessToken })).status).toBe(204);
  });

  it('allows two terminals per user and refuses a third with 429', async () => {
    const ids = [await create(bob.accessToken), await create(bob.accessToken)];
    const third = await t.api.post('/api/terminals', {}, { token: bob.accessToken });
    expect(third.status).toBe(429);
    for (const id of ids) expect((await t.api.request('DELETE', `/api/terminals/${id}`, { token: bob.accessToken })).status).toBe(204);
  });

  it('counts terminals being created, so parallel requests cannot pass the limit together', async () => {
    const carol = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('carol'))).body);
    const responses = await Promise.all(Array.from({ length: 5 }, () => t.api.post('/api/terminals', {}, { token: carol.accessToken })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 429, 429, 429]);
    for (const response of responses.filter((r) => r.status === 201)) {
      await t.api.request('DELETE', `/api/terminals/${CreateTerminalResponse.parse(response.body).terminalId}`, {
        token: carol.accessToken,
      });
    }
  });

  it('ends a terminal left idle', async () => {
    const id = await create();
    const client = await attach(id);
    expect(await client.closed).toBe(1000);
    expect(client.control).toContainEqual(expect.objectContaining({ type: 'exit', reason: 'idle' }));
  }, 20_000);

  it('refuses an unknown language and bad sizes', async () => {
    expect((await t.api.post('/api/terminals', { language: 'cobol' }, { token: alice.accessToken })).status).toBe(400);
    expect((await t.api.post('/api/terminals', { cols: 0 }, { token: alice.accessToken })).status).toBe(400);
    expect((await t.api.post('/api/terminals', { entry: 'main.py' }, { token: alice.accessToken })).status).toBe(400);
    expect((await t.api.post('/api/terminals', { projectId: 'nope' }, { token: alice.accessToken })).status).toBe(400);
  });

  describe('in a project', () => {
    const accounts = {
      owner: newAccount('owner'),
      editor: newAccount('editor'),
      viewer: newAccount('viewer'),
      stranger: newAccount('stranger'),
    };
    const tokens = {} as Record<keyof typeof accounts, string>;
    const userIds = {} as Record<'editor' | 'viewer', string>;
    let projectId: string;
    beforeAll(async () => {
      for (const [name, account] of Object.entries(accounts)) {
        tokens[name as keyof typeof accounts] = AuthResponse.parse((await t.api.post('/api/auth/register', account)).body).accessToken;
      }
      const project = await t.api.post('/api/projects', { name: 'Pair', template: 'python' }, { token: tokens.owner });
      expect(project.status).toBe(201);
      projectId = ProjectResponse.parse(project.body).project.id;
      for (const role of ['editor', 'viewer'] as const) {
        const added = await t.api.post(
          `/api/projects/${projectId}/members`,
          { login: accounts[role].username, role },
          { token: tokens.owner },
        );
        expect(added.status).toBe(201);
        userIds[role] = MemberResponse.parse(added.body).member.userId;
      }
    });

    const remove = async (id: string, token = tokens.owner) => (await t.api.request('DELETE', `/api/terminals/${id}`, { token })).status;

    it("starts with the project's files, owned by the runner, in the entry's language", async () => {
      const id = await create(tokens.owner, { projectId, entry: 'main.py' });
      const client = await attach(id, tokens.owner);
      type(client, 'cat main.py\r');
      await expect.poll(() => client.screen(), { timeout: 10_000 }).toMatch(/\nprint\("Hello, world!"\)\n/);
      type(client, 'stat -c %u:%g main.py; python3 main.py\r');
      await expect.poll(() => client.screen(), { timeout: 10_000 }).toMatch(/\n10001:10001\nHello, world!\n/);
      expect(await remove(id)).toBe(204);
    });

    it('is shared with an editor, who sees the output and can type', async () => {
      const id = await create(tokens.owner, { projectId });
      const owner = await attach(id, tokens.owner);
      const editor = await attach(id, tokens.editor);
      type(owner, 'echo h""i\r');
      await expect.poll(() => editor.screen(), { timeout: 10_000 }).toMatch(/\nhi\n/);
      type(editor, 'echo from-""editor\r');
      await expect.poll(() => owner.screen(), { timeout: 10_000 }).toMatch(/\nfrom-editor\n/);
      expect(editor.control).toEqual([]);
      // Only whoever opened it, or a project owner, closes it.
      expect(await remove(id, tokens.editor)).toBe(403);
      expect(await remove(id, tokens.owner)).toBe(204);
      expect(await editor.closed).toBe(1000);
    });

    it("shows a viewer the output but refuses the viewer's input", async () => {
      const id = await create(tokens.owner, { projectId });
      const owner = await attach(id, tokens.owner);
      const viewer = await attach(id, tokens.viewer);
      type(viewer, 'echo from-""viewer\r');
      await expect
        .poll(() => viewer.control)
        .toContainEqual({
          type: 'error',
          code: 'forbidden',
          message: 'You can view this project but not type in its terminals: ask an owner to make you an editor.',
        });
      type(owner, 'echo h""i\r');
      await expect.poll(() => viewer.screen(), { timeout: 10_000 }).toMatch(/\nhi\n/);
      expect(owner.screen()).not.toMatch(/viewer/);
      expect(viewer.screen()).not.toMatch(/viewer/);
      expect(await remove(id)).toBe(204);
    });

    it("lists the project's open terminals to every member, with who opened them, and to nobody else", async () => {
      const list = async (token: string, id = projectId) => t.api.get(`/api/projects/${id}/terminals`, { token });
      expect((await list(tokens.viewer)).body).toEqual({ terminals: [] });

      const ownerTerminal = await create(tokens.owner, { projectId, entry: 'main.py' });
      const editorTerminal = await create(tokens.editor, { projectId });
      // A private terminal belongs to no project, so it is never listed.
      const privateTerminal = await create(tokens.editor);
      const watcher = await attach(ownerTerminal, tokens.viewer);

      const listed = await list(tokens.viewer);
      expect(listed.status).toBe(200);
      const { terminals } = ProjectTerminalsResponse.parse(listed.body);
      expect(terminals).toEqual([
        {
          terminalId: ownerTerminal,
          owner: { userId: expect.any(String), username: accounts.owner.username },
          language: 'python',
          entry: 'main.py',
          createdAt: expect.any(String),
          attached: 1,
        },
        {
          terminalId: editorTerminal,
          owner: { userId: userIds.editor, username: accounts.editor.username },
          language: 'bash',
          entry: null,
          createdAt: expect.any(String),
          attached: 0,
        },
      ]);
      expect(Date.parse(terminals[0]!.createdAt)).toBeLessThanOrEqual(Date.parse(terminals[1]!.createdAt));
      for (const token of [tokens.owner, tokens.editor]) expect((await list(token)).body).toEqual(listed.body);

      // Outside the project it answers exactly as the project itself does: 404, no hint that it exists.
      const strangers = await list(tokens.stranger);
      const project = await t.api.get(`/api/projects/${projectId}`, { token: tokens.stranger });
      expect(strangers.status).toBe(404);
      expect(strangers.body.error.message).toBe(project.body.error.message);
      expect(strangers.body.error.code).toBe(project.body.error.code);
      const missing = '00000000-0000-4000-8000-000000000000';
      expect((await list(tokens.owner, missing)).status).toBe(404);
      expect((await list(tokens.owner, 'nope')).status).toBe(400);
      expect((await t.api.get(`/api/projects/${projectId}/terminals`)).status).toBe(401);

      // An ended terminal leaves the list, whether deleted or exited.
      expect(await remove(ownerTerminal)).toBe(204);
      expect(await watcher.closed).toBe(1000);
      const editor = await attach(editorTerminal, tokens.editor);
      type(editor, 'exit\r');
      expect(await editor.closed).toBe(1000);
      expect((await list(tokens.viewer)).body).toEqual({ terminals: [] });
      expect(await remove(privateTerminal, tokens.editor)).toBe(204);
    });

    it('is not there for anyone outside the project, and a viewer cannot open one', async () => {
      const id = await create(tokens.owner, { projectId });
      const stranger = await attach(id, tokens.stranger);
      expect(await stranger.closed).toBe(WsCloseCode.notFound);
      expect(stranger.screen()).toBe('');
      expect(await remove(id, tokens.stranger)).toBe(404);
      expect((await t.api.post('/api/terminals', { projectId }, { token: tokens.stranger })).status).toBe(404);
      expect((await t.api.post('/api/terminals', { projectId }, { token: tokens.viewer })).status).toBe(403);
      expect(await remove(id)).toBe(204);
    });

    it('follows role changes: a lowered editor stops typing, a removed member is disconnected', async () => {
      const id = await create(tokens.owner, { projectId });
      const owner = await attach(id, tokens.owner);
      const editor = await attach(id, tokens.editor);
      const viewer = await attach(id, tokens.viewer);
      const setRole = (userId: string, role: string) =>
        t.api.request('PATCH', `/api/projects/${projectId}/members/${userId}`, { token: tokens.owner, body: { role } });
      expect((await setRole(userIds.editor, 'viewer')).status).toBe(200);
      try {
        // A role is trusted for about a second; after that the change applies.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        type(editor, 'echo still-""typing\r');
        await expect.poll(() => editor.control).toContainEqual(expect.objectContaining({ type: 'error', code: 'forbidden' }));

        expect(
          (await t.api.request('DELETE', `/api/projects/${projectId}/members/${userIds.viewer}`, { token: tokens.owner })).status,
        ).toBe(204);
        await new Promise((resolve) => setTimeout(resolve, 1200));
        // Watching alone is enough to be noticed: the next output looks the role up again.
        type(owner, 'echo h""i\r');
        expect(await viewer.closed).toBe(WsCloseCode.notFound);
        await expect.poll(() => owner.screen(), { timeout: 10_000 }).toMatch(/\nhi\n/);
        expect(owner.screen()).not.toMatch(/still-typing/);
      } finally {
        await setRole(userIds.editor, 'editor');
        await t.api.post(
          `/api/projects/${projectId}/members`,
          { login: accounts.viewer.username, role: 'viewer' },
          { token: tokens.owner },
        );
      }
      expect(await remove(id)).toBe(204);
    });
  });
});
