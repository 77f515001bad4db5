import type { AutomergeUrl } from '@automerge/automerge-repo';
import { Automerge } from '@automerge/automerge-repo/slim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthResponse,
  ErrorBody,
  FileResponse,
  FilesResponse,
  MovedFilesResponse,
  ProjectResponse,
  RunResponse,
  type FileDocument,
  type ProjectDocument,
} from '../../../shared/protocol/index.js';
import { requireComponent } from '../../test-support/components.js';
import { databaseKinds } from '../../test-support/databases.js';
import { eventually, syncClient, type SyncClient } from '../../test-support/sync-client.js';
import { newAccount, startTestServer, type TestServer } from '../../test-support/test-server.js';

const kinds = await databaseKinds();
const images = await requireComponent('sandbox-images');

describe.each(kinds)('project files on %s database', (kind) => {
  let t: TestServer;
  let owner: AuthResponse;
  let viewer: AuthResponse;
  let stranger: AuthResponse;
  const clients: SyncClient[] = [];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const register = async (prefix: string) => AuthResponse.parse((await t.api.post('/api/auth/register', newAccount(prefix))).body);
    owner = await register('owner');
    viewer = await register('viewer');
    stranger = await register('stranger');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await t?.close();
  });

  const as = (who: AuthResponse) => ({ token: who.accessToken });
  const files = (projectId: string) => `/api/projects/${projectId}/files`;
  const content = (projectId: string, path: string) => `${files(projectId)}/content?path=${encodeURIComponent(path)}`;
  const failure = (response: { status: number; body: unknown; text: string }, status: number) => {
    expect(response.status, response.text).toBe(status);
    return ErrorBody.parse(response.body).error;
  };
  const list = async (projectId: string, who = owner) => FilesResponse.parse((await t.api.get(files(projectId), as(who))).body);
  const storedChunks = (documentIds: string[]) => t.server.database.prisma.syncChunk.count({ where: { docId: { in: documentIds } } });
  const docId = (url: string) => url.slice('automerge:'.length);

  async function project(template?: string) {
    const created = await t.api.post('/api/projects', { name: 'Files', ...(template ? { template } : {}) }, as(owner));
    expect(created.status, created.text).toBe(201);
    const { project } = ProjectResponse.parse(created.body);
    expect(
      (await t.api.post(`/api/projects/${project.id}/members`, { login: viewer.user.username, role: 'viewer' }, as(owner))).status,
    ).toBe(201);
    return project.id;
  }

  it('a project made from a template starts with its hello-world file, in the index and the file tree document', async () => {
    const id = await project('python');
    const listing = await list(id);
    expect(listing.files).toEqual([
      { path: 'main.py', docUrl: expect.stringMatching(/^automerge:/), language: 'python', size: 23, updatedAt: expect.any(String) },
    ]);
    expect((await t.api.get(content(id, 'main.py'), as(viewer))).text).toBe('print("Hello, world!")\n');
    const client = syncClient(t.url, owner.accessToken);
    clients.push(client);
    const tree = await client.repo.find<ProjectDocument>(listing.projectDocUrl as AutomergeUrl);
    expect(tree.doc().files).toEqual({ 'main.py': { docUrl: listing.files[0]!.docUrl, language: 'python' } });
    const unknown = await t.api.post('/api/projects', { name: 'x', template: 'cobol' }, as(owner));
    expect(failure(unknown, 400).message).toMatch(/Not a language: use one of python/);
  });

  it('creates, reads, replaces, renames, moves and deletes files and folders', async () => {
    const id = await project();
    const created = await t.api.post(files(id), { path: 'src/app.js', content: 'let x = 1;\n' }, as(owner));
    expect(created.status).toBe(201);
    expect(FileResponse.parse(created.body).file).toMatchObject({ path: 'src/app.js', language: 'javascript', size: 11 });
    expect((await t.api.post(files(id), { path: 'src/util/€.ts' }, as(owner))).status).toBe(201);
    expect((await t.api.get(content(id, 'src/util/€.ts'), as(owner))).text).toBe('');

    const replaced = await t.api.request('PUT', content(id, 'src/app.js'), {
      rawBody: 'let x = 2;\n// ünïcode ✓\n',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      ...as(owner),
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(FileResponse.parse(replaced.body).file.size).toBe(Buffer.byteLength('let x = 2;\n// ünïcode ✓\n'));
    expect((await t.api.get(content(id, 'src/app.js'), as(viewer))).text).toBe('let x = 2;\n// ünïcode ✓\n');

    const renamed = await t.api.request('PATCH', files(id), { body: { from: 'src/app.js', to: 'src/main.py' }, ...as(owner) });
    expect(MovedFilesResponse.parse(renamed.body).files).toMatchObject([{ path: 'src/main.py', language: 'python' }]);
    const moved = await t.api.request('PATCH', files(id), { body: { from: 'src', to: 'lib/source' }, ...as(owner) });
    expect(moved.status, moved.text).toBe(200);
    expect((await list(id)).files.map((f) => f.path)).toEqual(['lib/source/main.py', 'lib/source/util/€.ts']);
    expect((await t.api.get(content(id, 'lib/source/main.py'), as(owner))).text).toBe('let x = 2;\n// ünïcode ✓\n');

    const client = syncClient(t.url, owner.accessToken);
    clients.push(client);
    const tree = await client.repo.find<ProjectDocument>((await list(id)).projectDocUrl as AutomergeUrl);
    expect(Object.keys(tree.doc().files).sort()).toEqual(['lib/source/main.py', 'lib/source/util/€.ts']);

    const doomed = (await list(id)).files.filter((f) => f.path.startsWith('lib/source/util'));
    expect(await storedChunks(doomed.map((f) => docId(f.docUrl)))).toBeGreaterThan(0);
    expect((await t.api.request('DELETE', `${files(id)}?path=lib/source/util`, as(owner))).status).toBe(204);
    expect((await list(id)).files.map((f) => f.path)).toEqual(['lib/source/main.py']);
    expect(await storedChunks(doomed.map((f) => docId(f.docUrl)))).toBe(0);
    await eventually(() => expect(Object.keys(tree.doc().files)).toEqual(['lib/source/main.py']));
    failure(await t.api.get(content(id, 'lib/source/util/€.ts'), as(owner)), 404);
  });

  it('a replacement through REST is one change that live editors see, keeping their own concurrent typing', async () => {
    const id = await project();
    await t.api.post(files(id), { path: 'live.txt', content: 'alpha\nbeta\n' }, as(owner));
    const { docUrl } = (await list(id)).files[0]!;
    const client = syncClient(t.url, owner.accessToken);
    clients.push(client);
    const handle = await client.repo.find<FileDocument>(docUrl as AutomergeUrl);
    const before = Automerge.getAllChanges(handle.doc()).length;
    const put = await t.api.request('PUT', content(id, 'live.txt'), { rawBody: 'alpha\nBETA\ngamma\n', ...as(owner) });
    expect(put.status).toBe(200);
    await eventually(() => expect(handle.doc().content).toBe('alpha\nBETA\ngamma\n'));
    expect(Automerge.getAllChanges(handle.doc()).length).toBe(before + 1);
  });

  it('refuses each broken path rule with a 400 that names it', async () => {
    const id = await project();
    const cases: Array<[string, RegExp]> = [
      ['', /needs a path/],
      ['/etc/passwd', /relative path/],
      ['C:/x.py', /relative path/],
      ['a\\b.py', /relative path/],
      ['../escape.py', /"\.\."/],
      ['a/../b.py', /"\.\."/],
      ['a//b.py', /empty parts/],
      ['nul\u0000.py', /control characters/],
      ['tab\t.py', /control characters/],
      [`${'x'.repeat(252)}.py`.padEnd(256, 'y'), /255 bytes/],
      [`${'é'.repeat(128)}`, /255 bytes/],
      [Array.from({ length: 17 }, () => 'd').join('/'), /16 levels/],
    ];
    for (const [path, rule] of cases) {
      const refused = failure(await t.api.post(files(id), { path }, as(owner)), 400);
      expect(refused.message, JSON.stringify(path)).toMatch(rule);
      failure(await t.api.get(content(id, path), as(owner)), path === '' ? 400 : 400);
    }
    expect((await t.api.post(files(id), { path: Array.from({ length: 16 }, () => 'd').join('/') }, as(owner))).status).toBe(201);
    expect((await t.api.post(files(id), { path: 'x'.repeat(255) }, as(owner))).status).toBe(201);

    const big = 'x'.repeat(1024 * 1024 + 1);
    expect(failure(await t.api.post(files(id), { path: 'big.txt', content: big }, as(owner)), 400).message).toMatch(
      /at most 1048576 bytes/,
    );
    expect((await t.api.post(files(id), { path: 'ok.txt', content: big.slice(1) }, as(owner))).status).toBe(201);
    const tooBig = await t.api.request('PUT', content(id, 'ok.txt'), { rawBody: `${big.slice(2)}€`, ...as(owner) });
    expect(failure(tooBig, 400).message).toMatch(/1 MiB/);

    failure(await t.api.post(files(id), { path: 'ok.txt' }, as(owner)), 409);
    expect(failure(await t.api.post(files(id), { path: 'ok.txt/inside.txt' }, as(owner)), 409).message).toMatch(/is a file/);
    expect(failure(await t.api.post(files(id), { path: 'd' }, as(owner)), 409).message).toMatch(/is a folder/);
    expect(failure(await t.api.request('PATCH', files(id), { body: { from: 'd', to: 'd/e' }, ...as(owner) }), 400).message).toMatch(
      /inside itself/,
    );
    failure(await t.api.request('PATCH', files(id), { body: { from: 'ok.txt', to: 'big.txt/../x' }, ...as(owner) }), 400);
    failure(await t.api.request('PATCH', files(id), { body: { from: 'nothing', to: 'x' }, ...as(owner) }), 404);
    const deep = await t.api.request('PATCH', files(id), { body: { from: 'd', to: 'z/z' }, ...as(owner) });
    expect(failure(deep, 400).message).toMatch(/16 levels/);
  });

  it('a project holds at most 2,000 files', async () => {
    const id = await project();
    await t.server.database.prisma.projectFile.createMany({
      data: Array.from({ length: 1999 }, (_, i) => ({
        projectId: id,
        path: `seed/${i}.txt`,
        docId: `seed-${id}-${i}`,
        language: 'plaintext',
        size: 0,
      })),
    });
    expect((await t.api.post(files(id), { path: 'the-2000th.txt' }, as(owner))).status).toBe(201);
    expect(failure(await t.api.post(files(id), { path: 'one-too-many.txt' }, as(owner)), 400).message).toMatch(/at most 2000 files/);
  });

  it('viewers read but do not write; non-members see no project at all', async () => {
    const id = await project('python');
    expect((await t.api.get(content(id, 'main.py'), as(viewer))).status).toBe(200);
    expect(failure(await t.api.post(files(id), { path: 'v.txt' }, as(viewer)), 403).message).toMatch(/ask an owner/);
    failure(await t.api.request('PUT', content(id, 'main.py'), { rawBody: 'x', ...as(viewer) }), 403);
    failure(await t.api.request('DELETE', `${files(id)}?path=main.py`, as(viewer)), 403);
    failure(await t.api.request('PATCH', files(id), { body: { from: 'main.py', to: 'x.py' }, ...as(viewer) }), 403);
    for (const response of [
      await t.api.get(files(id), as(stranger)),
      await t.api.get(content(id, 'main.py'), as(stranger)),
      await t.api.post(files(id), { path: 'x.txt' }, as(stranger)),
    ]) {
      failure(response, 404);
    }
  });

  it('deleting a project removes its documents and their storage', async () => {
    const id = await project('python');
    await t.api.post(files(id), { path: 'more.txt', content: 'more' }, as(owner));
    const listing = await list(id);
    const ids = [docId(listing.projectDocUrl), ...listing.files.map((f) => docId(f.docUrl))];
    expect(await storedChunks(ids)).toBeGreaterThanOrEqual(3);
    expect((await t.api.request('DELETE', `/api/projects/${id}`, as(owner))).status).toBe(204);
    expect(await storedChunks(ids)).toBe(0);
    const client = syncClient(t.url, owner.accessToken);
    clients.push(client);
    await expect(client.repo.find(listing.files[0]!.docUrl as AutomergeUrl)).rejects.toThrow(/unavailable/);
  });

  it.runIf(images.available)('runs a project\u2019s current files, for viewers too', async () => {
    const id = await project('python');
    await t.api.post(files(id), { path: 'greet.py', content: 'def greet():\n    return "hi from the project"\n' }, as(owner));
    await t.api.request('PUT', content(id, 'main.py'), { rawBody: 'from greet import greet\nprint(greet())\n', ...as(owner) });
    const run = await t.api.post('/api/runs', { projectId: id, entry: 'main.py' }, as(viewer));
    expect(run.status, run.text).toBe(200);
    expect(RunResponse.parse(run.body)).toMatchObject({ exitCode: 0, stdout: 'hi from the project\n' });
    failure(await t.api.post('/api/runs', { projectId: id, entry: 'main.py' }, as(stranger)), 404);
    expect(failure(await t.api.post('/api/runs', { projectId: id, entry: 'nope.py' }, as(owner)), 400).message).toMatch(/no file/);
    failure(await t.api.post('/api/runs', { projectId: id }, as(owner)), 400);
  });
});
