// The real bundled main process (dist/desktop/main/main.cjs), run under Node with Electron played by a double
// (testing/electron-double.ts): the glue in main.ts, window.ts and ipc/register-ipc-handlers.ts, which the
// plain modules' tests do not reach. Each describe starts a fresh process, as launching the app does.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_COMMAND_EVENT, DEEP_LINK_EVENT, IPC_CHANNEL_NAMES } from '../../shared/protocol/ipc.js';
import { CHANGE_SERVER_LABEL } from './menu.js';
import { buildDesktopBundles, MainProcess, PRELOAD_BUNDLE } from './testing/launch-main.js';
import { sampleSession } from './testing/fixtures.js';

const APP_PAGE = 'app://tandem/';
const FOREIGN_PAGE = 'https://evil.example/';
const PROJECT_ID = '0b6f3c4e-8a1d-4f2b-9c3e-5d7a8b9c0d1e';
const INVITE_TOKEN = 'inv_Zm9vYmFyYmF6-cXV4';

type Reply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
type Sent = { kind: string; windowId: number; channel: string; payload: unknown };

beforeAll(() => buildDesktopBundles(), 120_000);

/** Launches main, lets Electron become ready, and waits for the window main opens. */
async function started(options: Parameters<typeof MainProcess.launch>[0] = {}): Promise<{ main: MainProcess; windowId: number }> {
  const main = MainProcess.launch(options);
  try {
    await main.call({ op: 'ready' });
    const window = await main.waitFor('window.created');
    return { main, windowId: window.windowId as number };
  } catch (error) {
    await main.close();
    throw error;
  }
}

const sentAfter = (main: MainProcess, index: number, channel: string) =>
  main.records.slice(index).filter((entry): entry is Sent => entry.kind === 'webContents.send' && entry.channel === channel);

describe('a start without links', () => {
  let main: MainProcess;
  let windowId: number;
  beforeAll(async () => ({ main, windowId } = await started()));
  afterAll(() => main?.close());

  it('registers app:// before ready, and the IPC handlers, permissions and app:// handler before the window opens', () => {
    const readyAt = main.indexOf('app.ready');
    expect(main.records.slice(0, readyAt).map((entry) => entry.kind)).toEqual([
      'protocol.registerSchemesAsPrivileged',
      'app.requestSingleInstanceLock',
    ]);
    expect(main.ofKind('protocol.registerSchemesAsPrivileged')[0]!.schemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    ]);
    const windowAt = main.indexOf('window.created');
    for (const kind of ['ipcMain.handle', 'protocol.handle', 'session.setPermissionRequestHandler', 'session.setPermissionCheckHandler']) {
      expect(main.indexOf(kind), kind).toBeGreaterThan(readyAt);
      expect(
        main.records.findLastIndex((entry) => entry.kind === kind),
        kind,
      ).toBeLessThan(windowAt);
    }
    expect(main.ofKind('protocol.handle').map((entry) => entry.scheme)).toEqual(['app']);
    // A build from source does not take tandem:// over from an installed Tandem.
    expect(main.ofKind('app.setAsDefaultProtocolClient')).toEqual([]);
  });

  it('handles every IPC channel of the contract, answers the app’s own page and refuses any other sender', async () => {
    expect(main.ofKind('ipcMain.handle').map((entry) => entry.channel)).toEqual([...IPC_CHANNEL_NAMES]);

    expect(await main.invoke('settings.get')).toEqual({ ok: true, value: { serverUrl: null, runLocation: 'auto' } });
    expect(await main.invoke('shell.openExternal', { url: 'https://example.com/help' })).toEqual({ ok: true, value: { ok: true } });
    expect(main.ofKind('shell.openExternal').map((entry) => entry.url)).toEqual(['https://example.com/help']);
    const invalid = await main.invoke<Reply<unknown>>('settings.setRunLocation', { runLocation: 'mars' });
    expect(invalid.ok || invalid.error.code).toBe('invalid_request');

    for (const channel of IPC_CHANNEL_NAMES) {
      for (const sender of [FOREIGN_PAGE, 'file:///etc/passwd', null]) {
        const refused = await main.invoke<Reply<unknown>>(channel, {}, sender);
        expect(refused.ok || refused.error.code, `${channel} from ${sender}`).toBe('forbidden_sender');
      }
    }
    expect(main.ofKind('shell.openExternal')).toHaveLength(1);
  });

  it('opens one window with the secure preferences and the real preload, on app://tandem/', () => {
    const [window] = main.ofKind('window.created');
    const preferences = (window!.options as { webPreferences: Record<string, unknown> }).webPreferences;
    expect(preferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      backgroundThrottling: false,
      preload: path.join(main.appDir, 'preload', 'preload.cjs'),
    });
    expect(fs.realpathSync(preferences.preload as string)).toBe(fs.realpathSync(PRELOAD_BUNDLE));
    expect(main.ofKind('window.loadURL')).toEqual([{ kind: 'window.loadURL', windowId, url: APP_PAGE }]);
    // web-contents-created hardened it: links and window.open are decided by the app.
    expect(main.ofKind('webContents.setWindowOpenHandler')).toEqual([{ kind: 'webContents.setWindowOpenHandler', windowId }]);
  });

  it('serves index.html on app:// with a Content-Security-Policy naming the local run server’s port', async () => {
    const connect = await main.invoke<Reply<{ url: string }>>('localSandbox.connect');
    if (!connect.ok) throw new Error(connect.error.message);
    const port = Number(new URL(connect.value.url).port);
    // The port is the server's own: it listens there.
    await new Promise<void>((resolve, reject) => net.connect(port, '127.0.0.1', resolve).once('error', reject).unref());

    type Served = { status: number; headers: Record<string, string>; body: string };
    for (const url of [APP_PAGE, `${APP_PAGE}projects/42`]) {
      const served = await main.call<Served>({ op: 'request', url });
      expect(served.status, url).toBe(200);
      expect(served.body, url).toBe(main.indexHtml);
      expect(served.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      const csp = served.headers['content-security-policy']!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(new RegExp(`connect-src [^;]*ws://127\\.0\\.0\\.1:${port}(;| )`));
    }
    const outside = await main.call<Served>({ op: 'request', url: `${APP_PAGE}%2e%2e/%2e%2e/package.json` });
    expect(outside.status).not.toBe(200);
  });

  it('has Change Server… in the menu, which sends the window the changeServer command', async () => {
    const [menu] = main.ofKind('menu.setApplicationMenu');
    expect(JSON.stringify(menu!.template)).toContain(JSON.stringify({ id: 'changeServer', label: CHANGE_SERVER_LABEL, click: true }));
    const before = main.records.length;
    await main.call({ op: 'clickMenu', id: 'changeServer' });
    expect(sentAfter(main, before, APP_COMMAND_EVENT)).toEqual([
      { kind: 'webContents.send', windowId, channel: APP_COMMAND_EVENT, payload: { command: 'changeServer' } },
    ]);
  });

  it('keeps navigation in the app, sends web links to the browser, and grants listed permissions to its own pages only', async () => {
    const opened = () => main.ofKind('shell.openExternal').map((entry) => entry.url);
    const already = opened().length;
    expect(await main.call({ op: 'navigate', windowId, url: `${APP_PAGE}projects/1` })).toEqual({ prevented: false });
    expect(await main.call({ op: 'navigate', windowId, url: 'https://example.com/docs' })).toEqual({ prevented: true });
    expect(await main.call({ op: 'navigate', windowId, url: 'file:///etc/passwd' })).toEqual({ prevented: true });
    expect(await main.call({ op: 'windowOpen', windowId, url: 'https://example.com/blog' })).toEqual({ action: 'deny' });
    expect(await main.call({ op: 'windowOpen', windowId, url: 'smb://example.com/share' })).toEqual({ action: 'deny' });
    expect(opened().slice(already)).toEqual(['https://example.com/docs', 'https://example.com/blog']);

    expect(await main.call({ op: 'permission', permission: 'clipboard-sanitized-write', url: APP_PAGE })).toEqual({
      requested: true,
      checked: true,
    });
    expect(await main.call({ op: 'permission', permission: 'clipboard-sanitized-write', url: FOREIGN_PAGE })).toEqual({
      requested: false,
      checked: false,
    });
    expect(await main.call({ op: 'permission', permission: 'media', url: APP_PAGE })).toEqual({ requested: false, checked: false });
  });

  it('opens no second window when the app is activated with one open', async () => {
    await main.call({ op: 'emitApp', event: 'activate', args: [true] });
    expect(main.ofKind('window.created')).toHaveLength(1);
    expect(main.errors()).toEqual([]);
  });
});

describe('deep links', () => {
  let main: MainProcess;
  let windowId: number;
  // As Windows and Linux start the app for a clicked link: the link among Chromium's switches.
  beforeAll(async () => ({ main, windowId } = await started({ args: ['--allow-file-access-from-files', `tandem://open/${PROJECT_ID}`] })));
  afterAll(() => main?.close());

  it('keeps a cold-start link until the page has loaded, tells it, and hands the link over once', async () => {
    expect(sentAfter(main, 0, DEEP_LINK_EVENT)).toEqual([]);
    const loadedAt = main.records.length;
    await main.call({ op: 'finishLoad', windowId });
    expect(sentAfter(main, loadedAt, DEEP_LINK_EVENT)).toHaveLength(1);
    expect(await main.invoke('deepLink.take')).toEqual({ ok: true, value: { links: [{ kind: 'open', projectId: PROJECT_ID }] } });
    expect(await main.invoke('deepLink.take')).toEqual({ ok: true, value: { links: [] } });
  });

  it('a second instance with an invite restores and focuses the window and tells the page', async () => {
    await main.call({ op: 'minimize', windowId });
    const before = main.records.length;
    const argv = [process.execPath, '.', '--allow-file-access-from-files', `tandem://invite/${INVITE_TOKEN}`];
    await main.call({ op: 'emitApp', event: 'second-instance', args: [argv, '/home/ada', {}] });
    const after = main.records.slice(before).map((entry) => entry.kind);
    expect(after).toContain('window.restore');
    expect(after).toContain('window.focus');
    expect(sentAfter(main, before, DEEP_LINK_EVENT)).toHaveLength(1);
    expect(await main.invoke('deepLink.take')).toEqual({ ok: true, value: { links: [{ kind: 'invite', token: INVITE_TOKEN }] } });
    // No second window: the first one has it.
    expect(main.ofKind('window.created')).toHaveLength(1);
  });

  it('tells a page that was loading when a link came once it has loaded (it may have subscribed already)', async () => {
    await main.call({ op: 'reload', windowId });
    const before = main.records.length;
    const { prevented } = await main.call<{ prevented: boolean }>({
      op: 'emitApp',
      event: 'open-url',
      args: [`tandem://open/${PROJECT_ID}`],
    });
    expect(prevented).toBe(true);
    // Not while loading: the page going away could take the link and lose it.
    expect(sentAfter(main, before, DEEP_LINK_EVENT)).toEqual([]);
    await main.call({ op: 'finishLoad', windowId });
    expect(sentAfter(main, before, DEEP_LINK_EVENT)).toHaveLength(1);
    expect(await main.invoke('deepLink.take')).toEqual({ ok: true, value: { links: [{ kind: 'open', projectId: PROJECT_ID }] } });
  });

  it('says a link it cannot open is not a Tandem link, and keeps nothing', async () => {
    await main.call({ op: 'emitApp', event: 'open-url', args: ['tandem://delete/everything'] });
    const dialog = await main.waitFor('dialog.showMessageBox');
    expect(dialog.options).toMatchObject({ type: 'warning', message: 'Tandem cannot open this link' });
    await main.call({ op: 'answerDialog', response: 0 });
    expect(await main.invoke('deepLink.take')).toEqual({ ok: true, value: { links: [] } });
    expect(main.errors()).toEqual([]);
  });
});

describe('choosing the server', () => {
  let main: MainProcess;
  let windowId: number;
  beforeAll(async () => ({ main, windowId } = await started()));
  afterAll(() => main?.close());

  const session = sampleSession('rt_bWFpbi13aXJpbmctdGVzdC10b2tlbi0xMjM0NTY');
  const sessionFile = () => path.join(main.userData, 'session.bin');
  const savedSettings = () => JSON.parse(fs.readFileSync(path.join(main.userData, 'settings.json'), 'utf8')) as { serverUrl?: string };

  it('saves the first choice without asking', async () => {
    expect(await main.invoke('settings.setServerUrl', { url: 'http://localhost:4000' })).toEqual({
      ok: true,
      value: { ok: true, url: 'http://localhost:4000' },
    });
    expect(main.ofKind('dialog.showMessageBox')).toEqual([]);
    expect(savedSettings().serverUrl).toBe('http://localhost:4000');
    // Signed in: the session is kept through safeStorage, never as plain text.
    expect(await main.invoke('session.save', { session })).toEqual({ ok: true, value: { ok: true } });
    expect(fs.readFileSync(sessionFile()).includes(session.refreshToken)).toBe(false);
    expect(await main.invoke('session.load')).toEqual({ ok: true, value: { session } });
  });

  it('asks in a native dialog before changing it: Cancel keeps server and session, Switch saves and forgets the session', async () => {
    const cancelled = main.invoke('settings.setServerUrl', { url: 'https://tandem.example.com' });
    const question = await main.waitFor('dialog.showMessageBox');
    expect(question.parentWindowId).toBe(windowId);
    expect(question.options).toMatchObject({
      type: 'question',
      message: 'Switch Tandem to tandem.example.com?',
      buttons: ['Switch', 'Cancel'],
    });
    await main.call({ op: 'answerDialog', response: 1 });
    expect(await cancelled).toEqual({
      ok: true,
      value: { ok: false, cancelled: true, message: 'Tandem still uses http://localhost:4000.' },
    });
    expect(await main.invoke('settings.get')).toEqual({ ok: true, value: { serverUrl: 'http://localhost:4000', runLocation: 'auto' } });
    expect(await main.invoke('session.load')).toEqual({ ok: true, value: { session } });

    const switched = main.invoke('settings.setServerUrl', { url: 'https://tandem.example.com' });
    await main.waitFor('dialog.showMessageBox', () => main.ofKind('dialog.showMessageBox').length === 2);
    await main.call({ op: 'answerDialog', response: 0 });
    expect(await switched).toEqual({ ok: true, value: { ok: true, url: 'https://tandem.example.com' } });
    expect(savedSettings().serverUrl).toBe('https://tandem.example.com');
    expect(await main.invoke('session.load')).toEqual({ ok: true, value: { session: null } });
    expect(fs.existsSync(sessionFile())).toBe(false);
    expect(main.errors()).toEqual([]);
  });
});

describe('quitting', () => {
  it('holds the quit once while local runs close, then quits, and remembers the window', async () => {
    const { main, windowId } = await started();
    try {
      await main.call({ op: 'finishLoad', windowId });
      const quitAt = main.records.length;
      await main.call({ op: 'quit' });
      expect(await main.exited).toBe(0);
      const kinds = main.records
        .slice(quitAt)
        .map((entry) => (entry.kind === 'app.will-quit' ? `will-quit prevented=${entry.prevented}` : entry.kind));
      expect(kinds).toEqual([
        'app.quit',
        'window.closed',
        'will-quit prevented=true',
        'app.quit',
        'will-quit prevented=false',
        'app.exit',
        'process.exit',
      ]);
      const settings = JSON.parse(fs.readFileSync(path.join(main.userData, 'settings.json'), 'utf8')) as { window?: unknown };
      expect(settings.window).toMatchObject({ width: 1280, height: 820, maximized: false });
      expect(main.errors()).toEqual([]);
    } finally {
      await main.close();
    }
  });

  it('quits when the last window closes (Windows and Linux), once local runs have closed', async () => {
    const { main, windowId } = await started();
    try {
      await main.call({ op: 'finishLoad', windowId });
      await main.call({ op: 'closeWindow', windowId });
      expect(await main.exited).toBe(0);
      expect(main.ofKind('app.will-quit').map((entry) => entry.prevented)).toEqual([true, false]);
      expect(main.errors()).toEqual([]);
    } finally {
      await main.close();
    }
  });

  it('quits at once when another instance holds the lock, opening nothing', async () => {
    const main = MainProcess.launch({ singleInstanceLock: false });
    try {
      expect(await main.exited).toBe(0);
      expect(main.records.map((entry) => entry.kind)).toEqual([
        'protocol.registerSchemesAsPrivileged',
        'app.requestSingleInstanceLock',
        'app.quit',
        'app.will-quit',
        'app.exit',
        'process.exit',
      ]);
    } finally {
      await main.close();
    }
  });
});
