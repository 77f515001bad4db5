import net from 'node:net';
import type { AutomergeUrl, DocHandle, UrlHeads } from '@automerge/automerge-repo';
import { Automerge } from '@automerge/automerge-repo/slim';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthResponse, FilesResponse, ProjectResponse, type FileDocument } from '../../shared/protocol/index.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../test-support/databases.js';
import { client } from '../test-support/http.js';
import { readyUrl, spawnServer, type ServerProcess } from '../test-support/server-process.js';
import { eventually, syncClient, type SyncClient } from '../test-support/sync-client.js';
import { newAccount } from '../test-support/test-server.js';

const kinds = await databaseKinds();

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.each(kinds)('durability on %s database', (kind) => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('every change a client saw acknowledged survives kill -9 of the server, and the rest merge after restart', async () => {
    const database: TestDatabase = await createTestDatabase(kind);
    cleanup.push(() => database.drop());
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    const start = async () => {
      const server = await spawnServer(env, { dataDir: database.dataDir });
      cleanup.push(() => server.child.kill('SIGKILL'));
      return { server, url: await readyUrl(server) };
    };
    const first: { server: ServerProcess; url: string } = await start();
    const api = client(first.url);
    const owner = AuthResponse.parse((await api.post('/api/auth/register', newAccount('durable'))).body);
    const auth = { token: owner.accessToken };
    const { project } = ProjectResponse.parse((await api.post('/api/projects', { name: 'Durable' }, auth)).body);
    await api.post(`/api/projects/${project.id}/files`, { path: 'log.txt' }, auth);
    const { docUrl } = FilesResponse.parse((await api.get(`/api/projects/${project.id}/files`, auth)).body).files[0]!;

    const writer: SyncClient = syncClient(first.url, owner.accessToken);
    cleanup.push(() => writer.close());
    const handle: DocHandle<FileDocument> = await writer.repo.find<FileDocument>(docUrl as AutomergeUrl);
    // One writer, so its changes form a chain: the server's announced heads name how far it has got.
    const changeIndex = new Map<string, number>();
    let acknowledged = -1;
    handle.on('remote-heads', ({ heads }: { heads: UrlHeads }) => {
      for (const head of heads) acknowledged = Math.max(acknowledged, changeIndex.get(head) ?? -1);
    });
    let typed = 0;
    const typeOne = () => {
      handle.change((doc) => Automerge.splice(doc, ['content'], doc.content.length, 0, `[${typed}]`));
      changeIndex.set(handle.heads()[0]!, typed);
      typed += 1;
    };
    const typing = setInterval(typeOne, 3);
    await eventually(() => expect(acknowledged).toBeGreaterThan(50), 20_000);
    first.server.child.kill('SIGKILL');
    await first.server.exited;
    const acknowledgedAtKill = acknowledged;
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(typing);
    expect(typed).toBeGreaterThan(acknowledgedAtKill + 1);

    await start();
    const afterRestart = (await api.get(`/api/projects/${project.id}/files/content?path=log.txt`, auth)).text;
    for (let i = 0; i <= acknowledgedAtKill; i++) expect(afterRestart).toContain(`[${i}]`);
    // The client reconnects by itself with a fresh ticket; what the server never had merges now.
    await eventually(
      async () => expect((await api.get(`/api/projects/${project.id}/files/content?path=log.txt`, auth)).text).toBe(handle.doc().content),
      20_000,
    );
    expect(handle.doc().content).toBe(Array.from({ length: typed }, (_, i) => `[${i}]`).join(''));
  }, 90_000);
});
