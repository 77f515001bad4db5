import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES, ipcResultSchema, type DeepLink, type IpcChannel, type StoredSession } from '../../../shared/protocol/ipc.js';
import { DeepLinkInbox } from '../deep-link-inbox.js';
import { APP_ORIGIN, type TrustedOrigins } from '../security.js';
import { SettingsStore } from '../settings-store.js';
import { createIpcHandlers } from './ipc-handlers.js';
import { checkIpcMessage, handleIpcMessage, type IpcHandlers } from './ipc-guard.js';

const production: TrustedOrigins = { origins: [APP_ORIGIN] };
const development: TrustedOrigins = { origins: ['http://localhost:5173'] };
const appPage = { url: `${APP_ORIGIN}/projects/4b0f6a5e-8f55-4f0e-9b53-2f3f4b1f0c11` };

const session: StoredSession = {
  refreshToken: 'r'.repeat(43),
  user: {
    id: '4b0f6a5e-8f55-4f0e-9b53-2f3f4b1f0c11',
    username: 'ada',
    role: 'user',
    createdAt: '2025-01-01T00:00:00.000Z',
    email: 'ada@example.com',
  },
};

const LOCAL_URL = `ws://127.0.0.1:49152/runs/stream?token=${'t'.repeat(43)}`;
const LOCAL_TERMINAL_URL = `ws://127.0.0.1:49152/terminals?token=${'t'.repeat(43)}`;
const INVITE: DeepLink = { kind: 'invite', token: 'k3J9_x-QpV2mZ8aB4cD6eF0gH1iJ5kL7mN9oP2qR4sT' };

let dir: string;
let handlers: IpcHandlers;
let opened: string[];
let kept: StoredSession | null;
let inbox: DeepLinkInbox;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-ipc-'));
  opened = [];
  kept = null;
  inbox = new DeepLinkInbox();
  handlers = createIpcHandlers({
    settings: new SettingsStore(path.join(dir, 'settings.json')),
    sessions: {
      load: () => kept,
      save: (value) => void (kept = value),
      clear: () => void (kept = null),
    },
    confirmServerChange: async () => true,
    deepLinks: inbox,
    runLocation: async () => ({ where: 'cloud', label: 'Cloud (localhost:4000)' }),
    localSandbox: async () => ({ url: LOCAL_URL, terminalUrl: LOCAL_TERMINAL_URL }),
    openExternal: async (url) => void opened.push(url),
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const call = (channel: unknown, payload: unknown, sender: { url: string | undefined } | undefined = appPage, trusted = production) =>
  handleIpcMessage(handlers, channel, sender, payload, trusted);

describe('the channel', () => {
  it.each([
    ['a name that is not ours', 'fs.readFile'],
    ['an event channel, which the renderer may not invoke', 'deepLink.available'],
    ['the other event channel', 'app.command'],
    ['an inherited property', 'constructor'],
    ['__proto__', '__proto__'],
    ['toString', 'toString'],
    ['a near miss', 'settings.GET'],
    ['an empty name', ''],
    ['no name', undefined],
    ['a number', 42],
    ['an object', { channel: 'settings.get' }],
  ])('refuses %s', async (_what, channel) => {
    const result = await call(channel, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('refuses an unknown channel before looking at the sender', () => {
    expect(checkIpcMessage('shell.exec', undefined, {}, production)).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });
});

describe('the sender', () => {
  it.each([
    ['a remote web page', 'https://evil.example.com/'],
    ['a remote page pretending in its path', 'https://evil.example.com/app://tandem/'],
    ['devtools', 'devtools://devtools/bundled/devtools_app.html'],
    ['a file on the disk', 'file:///etc/passwd'],
    ['the built renderer loaded from file://', `file://${path.resolve('dist/renderer/index.html')}`],
    ['another app:// host', 'app://evil/index.html'],
    ['another scheme with the same host', 'tandem://tandem/'],
    ['the dev server in a production build', 'http://localhost:5173/'],
    ['about:blank', 'about:blank'],
    ['a data: URL', 'data:text/html,<script>1</script>'],
    ['a blob: URL', `blob:${APP_ORIGIN}/8c1f`],
    ['a frame that is gone', undefined],
    ['an unparseable URL', 'not a url'],
  ])('refuses %s in production', async (_what, url) => {
    const result = await call('settings.get', {}, { url });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
  });

  it('refuses a call with no sender at all', async () => {
    expect(await handleIpcMessage(handlers, 'session.load', undefined, {}, production)).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender' },
    });
  });

  it.each([
    ['app://tandem in development', `${APP_ORIGIN}/`],
    ['another port', 'http://localhost:5174/'],
    ['https on the same port', 'https://localhost:5173/'],
    ['another host name for the same machine', 'http://127.0.0.1:5173/'],
  ])('refuses %s with `npm run desktop`', async (_what, url) => {
    expect(await call('settings.get', {}, { url }, development)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
  });

  it("accepts the app's own pages: any route of app://tandem, and the dev server in development", async () => {
    expect(await call('settings.get', {}, { url: `${APP_ORIGIN}/` })).toMatchObject({ ok: true });
    expect(await call('settings.get', {}, appPage)).toMatchObject({ ok: true });
    expect(await call('settings.get', {}, { url: 'http://localhost:5173/projects/x' }, development)).toMatchObject({ ok: true });
  });

  it('never acts on a refused call', async () => {
    await call('session.save', { session }, { url: 'https://evil.example.com/' });
    await call('shell.openExternal', { url: 'https://example.com/' }, { url: 'devtools://devtools/' });
    inbox.put(INVITE);
    expect(await call('deepLink.take', {}, { url: 'https://evil.example.com/' })).toMatchObject({ ok: false });
    expect(kept).toBeNull();
    expect(opened).toEqual([]);
    // A foreign page cannot take the user's invites.
    expect(inbox.take()).toEqual([INVITE]);
  });
});

describe('the payload', () => {
  const malformed: Array<[IpcChannel, string, unknown]> = [
    ['settings.get', 'an extra field', { serverUrl: 'https://evil.example.com' }],
    ['settings.get', 'a string', 'settings'],
    ['settings.get', 'an array', []],
    ['settings.setServerUrl', 'no url', {}],
    ['settings.setServerUrl', 'a number for the url', { url: 4000 }],
    ['settings.setServerUrl', 'a url of 3 kB', { url: `https://${'a'.repeat(3000)}.example.com` }],
    ['settings.setServerUrl', 'an extra field', { url: 'http://localhost:4000', trusted: true }],
    ['settings.setServerUrl', 'a url of null', { url: null }],
    ['settings.setRunLocation', 'an unknown location', { runLocation: 'mars' }],
    ['settings.setRunLocation', 'no location', {}],
    ['settings.setRunLocation', 'the location in another case', { runLocation: 'Local' }],
    ['session.load', 'an extra field', { user: 'ada' }],
    ['session.save', 'no session', {}],
    ['session.save', 'a session without a token', { session: { user: session.user } }],
    ['session.save', 'an empty token', { session: { ...session, refreshToken: '' } }],
    ['session.save', 'a token of 1 kB', { session: { ...session, refreshToken: 'x'.repeat(1000) } }],
    ['session.save', 'a user without an id', { session: { ...session, user: { ...session.user, id: undefined } } }],
    ['session.save', 'a user id that is not a UUID', { session: { ...session, user: { ...session.user, id: '../../etc' } } }],
    ['session.save', 'an unknown role', { session: { ...session, user: { ...session.user, role: 'root' } } }],
    ['session.save', 'the session as a JSON string', { session: JSON.stringify(session) }],
    ['session.clear', 'an extra field', { all: true }],
    ['runLocation.get', 'an extra field', { where: 'local' }],
    ['localSandbox.connect', 'an extra field', { url: 'ws://evil.example.com/' }],
    ['localSandbox.connect', 'an array', ['ws://127.0.0.1:1/']],
    ['deepLink.take', 'a link of its own', { links: [{ kind: 'open', projectId: '4b0f6a5e-8f55-4f0e-9b53-2f3f4b1f0c11' }] }],
    ['deepLink.take', 'a string', 'all'],
    ['shell.openExternal', 'no url', {}],
    ['shell.openExternal', 'a file: URL', { url: 'file:///Applications/Calculator.app' }],
    ['shell.openExternal', 'a javascript: URL', { url: 'javascript:alert(1)' }],
    ['shell.openExternal', 'an smb: share', { url: 'smb://attacker.example.com/share' }],
    ['shell.openExternal', 'a custom scheme', { url: 'ms-msdt:/id PCWDiagnostic' }],
    ['shell.openExternal', 'an http URL without a host', { url: 'http://' }],
    ['shell.openExternal', 'not a URL', { url: 'open the pod bay doors' }],
    ['shell.openExternal', 'a number', { url: 1 }],
  ];

  it('has malformed cases for every channel', () => {
    expect(new Set(malformed.map(([channel]) => channel))).toEqual(new Set(IPC_CHANNEL_NAMES));
  });

  it.each(malformed)('%s refuses %s', async (channel, _what, payload) => {
    const result = await call(channel, payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    // The answer itself follows the contract, so the renderer can parse it.
    expect(ipcResultSchema(channel).safeParse(result).success).toBe(true);
    expect(kept).toBeNull();
    expect(opened).toEqual([]);
  });

  it('treats a missing payload as an empty request', async () => {
    expect(await call('settings.get', undefined)).toEqual({ ok: true, value: { serverUrl: null, runLocation: 'auto' } });
  });
});

describe('valid calls', () => {
  it('answer in the shape of their channel', async () => {
    expect(await call('settings.setServerUrl', { url: ' localhost:4000/ ' })).toEqual({
      ok: true,
      value: { ok: true, url: 'http://localhost:4000' },
    });
    expect(await call('settings.setRunLocation', { runLocation: 'local' })).toEqual({
      ok: true,
      value: { ok: true, runLocation: 'local' },
    });
    expect(await call('settings.get', {})).toEqual({ ok: true, value: { serverUrl: 'http://localhost:4000', runLocation: 'local' } });
    expect(await call('session.save', { session })).toEqual({ ok: true, value: { ok: true } });
    expect(await call('session.load', {})).toEqual({ ok: true, value: { session } });
    expect(await call('session.clear', {})).toEqual({ ok: true, value: { ok: true } });
    expect(await call('session.load', {})).toEqual({ ok: true, value: { session: null } });
    expect(await call('runLocation.get', {})).toEqual({ ok: true, value: { where: 'cloud', label: 'Cloud (localhost:4000)' } });
    expect(await call('localSandbox.connect', {})).toEqual({ ok: true, value: { url: LOCAL_URL, terminalUrl: LOCAL_TERMINAL_URL } });
    inbox.put(INVITE);
    expect(await call('deepLink.take', {})).toEqual({ ok: true, value: { links: [INVITE] } });
    expect(await call('deepLink.take', {})).toEqual({ ok: true, value: { links: [] } });
    expect(await call('shell.openExternal', { url: 'https://example.com/docs' })).toEqual({ ok: true, value: { ok: true } });
    expect(opened).toEqual(['https://example.com/docs']);
    for (const channel of IPC_CHANNEL_NAMES) {
      const result = await call(
        channel,
        channel === 'session.save' ? { session } : channel === 'settings.setServerUrl' ? { url: 'localhost:4000' } : {},
      );
      if (result.ok) expect(ipcResultSchema(channel).safeParse(result).success).toBe(true);
    }
  });

  it('a server address the app refuses is an answer with the reason, and is not stored', async () => {
    const result = await call('settings.setServerUrl', { url: 'http://tandem.example.com' });
    expect(result).toMatchObject({ ok: true, value: { ok: false, message: expect.stringContaining('https://') } });
    expect(await call('settings.get', {})).toMatchObject({ ok: true, value: { serverUrl: null } });
  });
});

describe('failures inside a handler', () => {
  it('a handler that throws answers `failed` instead of crashing', async () => {
    const broken = { ...handlers, 'session.load': () => Promise.reject(new Error('keychain locked')) } satisfies IpcHandlers;
    const result = await handleIpcMessage(broken, 'session.load', appPage, {}, production);
    expect(result).toEqual({ ok: false, error: { code: 'failed', message: 'session.load failed: keychain locked' } });
  });

  it('a keychain that cannot save is reported to the user as such', async () => {
    const noKeychain = createIpcHandlers({
      settings: new SettingsStore(path.join(dir, 'other.json')),
      sessions: {
        load: () => null,
        save: () => {
          throw new Error('no OS keychain');
        },
        clear: () => {},
      },
      confirmServerChange: async () => false,
      deepLinks: new DeepLinkInbox(),
      runLocation: async () => ({ where: 'none', message: 'x', whatToDo: 'y' }),
      localSandbox: async () => ({ url: LOCAL_URL, terminalUrl: LOCAL_TERMINAL_URL }),
      openExternal: async () => {},
    });
    const result = await handleIpcMessage(noKeychain, 'session.save', appPage, { session }, production);
    expect(result).toMatchObject({ ok: true, value: { ok: false, message: expect.stringContaining('no OS keychain') } });
  });

  it('a handler answering outside its contract is caught before the renderer sees it', async () => {
    const wrong = { ...handlers, 'runLocation.get': async () => ({ where: 'moon' }) } as unknown as IpcHandlers;
    const result = await handleIpcMessage(wrong, 'runLocation.get', appPage, {}, production);
    expect(result).toMatchObject({ ok: false, error: { code: 'failed' } });
  });

  it('the local run address handed to the page is only ever a loopback WebSocket', async () => {
    for (const url of ['ws://evil.example.com:1/runs/stream?token=x', 'ws://127.0.0.1:1/other?token=x', 'ws://127.0.0.1:1/runs/stream']) {
      const wrong = { ...handlers, 'localSandbox.connect': async () => ({ url, terminalUrl: LOCAL_TERMINAL_URL }) } satisfies IpcHandlers;
      expect(await handleIpcMessage(wrong, 'localSandbox.connect', appPage, {}, production)).toMatchObject({
        ok: false,
        error: { code: 'failed' },
      });
    }
  });
});
