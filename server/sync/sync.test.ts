import type { AutomergeUrl, DocHandle } from '@automerge/automerge-repo';
import { Automerge, cbor } from '@automerge/automerge-repo/slim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AuthResponse, FilesResponse, ProjectResponse, WsTicketResponse, type FileDocument } from '../../shared/protocol/index.js';
import { PresenceMessage } from '../../shared/protocol/presence.js';
import { WsCloseCode } from '../../shared/protocol/websocket.js';
import { databaseKinds } from '../test-support/databases.js';
import { eventually, syncClient, type SyncClient } from '../test-support/sync-client.js';
import { newAccount, startTestServer, type TestServer } from '../test-support/test-server.js';

const kinds = await databaseKinds();

describe.each(kinds)('live sync through /sync on %s database', (kind) => {
  let t: TestServer;
  let owner: AuthResponse;
  let editor: AuthResponse;
  let viewer: AuthResponse;
  let stranger: AuthResponse;
  const clients: SyncClient[] = [];
  beforeAll(async () => {
    t = await startTestServer(kind);
    const register = async (prefix: string) => AuthResponse.parse((await t.api.post('/api/auth/register', newAccount(prefix))).body);
    owner = await register('owner');
    editor = await register('editor');
    viewer = await register('viewer');
    stranger = await register('stranger');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await t?.close();
  });

  const as = (who: AuthResponse) => ({ token: who.accessToken });
  const connect = (who: AuthResponse, options?: Parameters<typeof syncClient>[2]) => {
    const client = syncClient(t.url, who.accessToken, options);
    clients.push(client);
    return client;
  };

  /** A project shared with the editor and the viewer, with one empty file. */
  async function sharedFile(path = 'notes.txt', content = '') {
    const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Sync test' }, as(owner))).body);
    for (const [who, role] of [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      expect((await t.api.post(`/api/projects/${project.id}/members`, { login: who.user.username, role }, as(owner))).status).toBe(201);
    }
    expect((await t.api.post(`/api/projects/${project.id}/files`, { path, content }, as(owner))).status).toBe(201);
    const listing = FilesResponse.parse((await t.api.get(`/api/projects/${project.id}/files`, as(owner))).body);
    const file = listing.files.find((f) => f.path === path)!;
    return { projectId: project.id, docUrl: file.docUrl as AutomergeUrl, projectDocUrl: listing.projectDocUrl as AutomergeUrl, path };
  }

  const restContent = async (projectId: string, path: string) =>
    (await t.api.get(`/api/projects/${projectId}/files/content?path=${encodeURIComponent(path)}`, as(owner))).text;

  const type = (handle: DocHandle<FileDocument>, text: string, at?: number) =>
    handle.change((doc) => Automerge.splice(doc, ['content'], at ?? doc.content.length, 0, text));

  it('two members typing at once converge, and every character either typed survives', async () => {
    const { projectId, docUrl, path } = await sharedFile();
    const a = await connect(owner).repo.find<FileDocument>(docUrl);
    const b = await connect(editor).repo.find<FileDocument>(docUrl);
    for (let i = 0; i < 150; i++) {
      type(a, 'a', Math.floor(Math.random() * (a.doc().content.length + 1)));
      type(b, 'b', Math.floor(Math.random() * (b.doc().content.length + 1)));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await eventually(() => {
      expect(a.doc().content).toBe(b.doc().content);
      expect(a.doc().content.length).toBe(300);
    });
    expect([...a.doc().content].filter((c) => c === 'a')).toHaveLength(150);
    expect([...a.doc().content].filter((c) => c === 'b')).toHaveLength(150);
    await eventually(async () => expect(await restContent(projectId, path)).toBe(a.doc().content));
    // The file index follows live edits too, so listings never need the documents.
    await eventually(async () => {
      const listing = FilesResponse.parse((await t.api.get(`/api/projects/${projectId}/files`, as(owner))).body);
      expect(listing.files.find((f) => f.path === path)?.size).toBe(300);
    });
  });

  it('edits made offline merge when the member reconnects', async () => {
    const { projectId, docUrl, path } = await sharedFile('offline.txt', 'shared line\n');
    const online = connect(owner);
    const roaming = connect(editor);
    const a = await online.repo.find<FileDocument>(docUrl);
    const b = await roaming.repo.find<FileDocument>(docUrl);
    roaming.goOffline();
    type(b, 'written on a train\n');
    type(a, 'written at the office\n', 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.doc().content).not.toContain('train');
    roaming.goOnline();
    const merged = 'written at the office\nshared line\nwritten on a train\n';
    await eventually(() => {
      expect(a.doc().content).toBe(merged);
      expect(b.doc().content).toBe(merged);
    });
    await eventually(async () => expect(await restContent(projectId, path)).toBe(merged));
  });

  it('a non-member gets "unavailable", the same as for a document that does not exist, and no content', async () => {
    const { docUrl } = await sharedFile('secret.txt', 'top secret');
    const outsider = connect(stranger);
    await expect(outsider.repo.find<FileDocument>(docUrl)).rejects.toThrow(/unavailable/);
    const made = connect(owner).repo.create<FileDocument>({ content: 'never synced to a project' });
    await expect(outsider.repo.find<FileDocument>(made.url)).rejects.toThrow(/unavailable/);
    expect(outsider.repo.handles[docUrl.slice('automerge:'.length) as never]?.isReady() ?? false).toBe(false);
  });

  it('a viewer receives edits, but edits it makes reach nobody', async () => {
    const { projectId, docUrl, path } = await sharedFile('read-only.txt', 'original\n');
    const a = await connect(owner).repo.find<FileDocument>(docUrl);
    const v = await connect(viewer).repo.find<FileDocument>(docUrl);
    expect(v.doc().content).toBe('original\n');
    type(v, 'viewer was here\n');
    type(a, 'owner edit\n');
    await eventually(() => expect(v.doc().content).toContain('owner edit'));
    const observer = await connect(editor).repo.find<FileDocument>(docUrl);
    await eventually(() => expect(observer.doc().content).toBe('original\nowner edit\n'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.doc().content).toBe('original\nowner edit\n');
    expect(await restContent(projectId, path)).toBe('original\nowner edit\n');
  });

  it('the file tree document is read-only for everyone: it changes through the REST API', async () => {
    const { projectId, projectDocUrl } = await sharedFile('tree.txt');
    const tree = await connect(editor).repo.find<{ files: Record<string, unknown> }>(projectDocUrl);
    expect(Object.keys(tree.doc().files)).toEqual(['tree.txt']);
    tree.change((doc) => {
      doc.files['forged.txt'] = { docUrl: 'automerge:xyz', language: 'plaintext' };
    });
    expect((await t.api.post(`/api/projects/${projectId}/files`, { path: 'real.txt' }, as(editor))).status).toBe(201);
    const watcher = await connect(owner).repo.find<{ files: Record<string, unknown> }>(projectDocUrl);
    await eventually(() => expect(Object.keys(watcher.doc().files).sort()).toEqual(['real.txt', 'tree.txt']));
    await eventually(() => expect(Object.keys(tree.doc().files)).toContain('real.txt'));
    const listing = FilesResponse.parse((await t.api.get(`/api/projects/${projectId}/files`, as(owner))).body);
    expect(listing.files.map((f) => f.path)).toEqual(['real.txt', 'tree.txt']);
  });

  it('a removed member is cut off mid-session, and a lowered role stops writes at once', async () => {
    const { projectId, docUrl } = await sharedFile('cut-off.txt', 'start\n');
    const a = await connect(owner).repo.find<FileDocument>(docUrl);
    const e = await connect(editor).repo.find<FileDocument>(docUrl);
    type(e, 'editor before\n');
    await eventually(() => expect(a.doc().content).toContain('editor before'));

    const lowered = await t.api.request('PATCH', `/api/projects/${projectId}/members/${editor.user.id}`, {
      body: { role: 'viewer' },
      ...as(owner),
    });
    expect(lowered.status).toBe(200);
    type(e, 'after demotion\n');
    type(a, 'owner still typing\n');
    await eventually(() => expect(e.doc().content).toContain('owner still typing'));
    expect(a.doc().content).not.toContain('after demotion');

    const removed = await t.api.request('DELETE', `/api/projects/${projectId}/members/${editor.user.id}`, as(owner));
    expect(removed.status).toBe(204);
    type(a, 'after removal\n');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(e.doc().content).not.toContain('after removal');
    expect(a.doc().content).not.toContain('after demotion');
  });

  it('a peer cannot take over another sign-in\u2019s peer id', async () => {
    const victim = connect(owner, { peerId: 'victim-peer' });
    const { docUrl } = await sharedFile('peer.txt');
    await victim.repo.find<FileDocument>(docUrl);
    const ticket = WsTicketResponse.parse((await t.api.post('/api/ws-ticket', undefined, as(stranger))).body).ticket;
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/sync?ticket=${ticket}`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(cbor.encode({ type: 'join', senderId: 'victim-peer', peerMetadata: {}, supportedProtocolVersions: ['1'] }));
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(WsCloseCode.peerIdInUse);
    // The victim's own connection is untouched.
    expect(t.server.gateway.openSockets).toBeGreaterThan(0);
  });

  it('presence reaches the project\u2019s other members (viewers too), never under someone else\u2019s name or to strangers', async () => {
    const { projectDocUrl } = await sharedFile();
    const heard = (handle: DocHandle<unknown>) => {
      const messages: PresenceMessage[] = [];
      handle.on('ephemeral-message', ({ message }) => messages.push(PresenceMessage.parse(message)));
      return messages;
    };
    const ownerDoc = await connect(owner).repo.find<unknown>(projectDocUrl);
    const editorDoc = await connect(editor).repo.find<unknown>(projectDocUrl);
    const viewerDoc = await connect(viewer).repo.find<unknown>(projectDocUrl);
    const toOwner = heard(ownerDoc);
    const toViewer = heard(viewerDoc);
    const presence = (who: AuthResponse, clientId: string, anchor: number): PresenceMessage => ({
      type: 'presence',
      clientId,
      userId: who.user.id,
      username: who.user.username,
      path: 'notes.txt',
      selections: [{ anchor, head: anchor }],
    });
    // An impostor: the editor claiming to be the owner. Then the editor's own and the viewer's presence.
    editorDoc.broadcast(presence(owner, 'forged', 1));
    editorDoc.broadcast(presence(editor, 'editor-window', 2));
    viewerDoc.broadcast(presence(viewer, 'viewer-window', 3));
    await eventually(() => {
      expect(toOwner.map((m) => m.clientId).sort()).toEqual(['editor-window', 'viewer-window']);
      expect(toViewer.map((m) => m.clientId)).toEqual(['editor-window']);
    });
    expect(toOwner.find((m) => m.clientId === 'editor-window')?.selections).toEqual([{ anchor: 2, head: 2 }]);
    // Clients pass on what they heard (automerge-repo floods ephemeral messages): nobody is cut off for it,
    // so presence keeps flowing afterwards.
    ownerDoc.broadcast(presence(owner, 'owner-window', 4));
    await eventually(() => expect(toViewer.map((m) => m.clientId)).toContain('owner-window'));
    viewerDoc.broadcast(presence(viewer, 'viewer-again', 5));
    await eventually(() => expect(toOwner.map((m) => m.clientId)).toContain('viewer-again'));
    // A stranger cannot open the project document, so hears nothing and reaches no one.
    const strangerRepo = connect(stranger).repo;
    await expect(strangerRepo.find<unknown>(projectDocUrl)).rejects.toThrow(/unavailable/i);
    expect(toOwner.some((m) => m.userId === stranger.user.id || m.clientId === 'forged')).toBe(false);
  });

  it('a client whose socket is closing drops what it would send (no throw, no stuck document) and syncs after reconnecting', async () => {
    const { docUrl } = await sharedFile();
    const watcher = await connect(owner).repo.find<FileDocument>(docUrl);
    const client = connect(editor);
    const handle = await client.repo.find<FileDocument>(docUrl);
    type(handle, 'before ');
    await eventually(() => expect(watcher.doc().content).toBe('before '));
    client.adapter.socket!.close();
    // automerge-repo answers sync messages from inside its document update: a throw here would leave the
    // handle on an outdated document for good ("Attempting to change an outdated document").
    expect(() =>
      client.adapter.send({
        type: 'sync',
        senderId: client.repo.peerId,
        targetId: 'tandem-server',
        documentId: handle.documentId,
        data: new Uint8Array(),
      } as never),
    ).not.toThrow();
    type(handle, 'after');
    await eventually(() => expect(watcher.doc().content).toBe('before after'), 15_000);
  });

  it('a client that speaks anything but the protocol is disconnected', async () => {
    const ticket = WsTicketResponse.parse((await t.api.post('/api/ws-ticket', undefined, as(stranger))).body).ticket;
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/sync?ticket=${ticket}`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(cbor.encode({ type: 'sync', senderId: 'x', targetId: 'tandem-server', documentId: 'abc', data: new Uint8Array([1]) }));
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(WsCloseCode.protocolViolation);
  });
});
