// A stand-in for the parts of Electron's main-process API that desktop/main uses, for running the real bundle
// (dist/desktop/main/main.cjs) under plain Node: Electron's binary cannot be downloaded on our machines.
// It records what main does (DoubleRecord) and lets a test act as the OS, the user and the page (DoubleCommand).
// Where Electron refuses a call (a window before `ready`, a second handler for one channel), it refuses too, so an
// ordering mistake in main.ts fails here as it would in the real app.
import { EventEmitter } from 'node:events';
import type { MenuItemConstructorOptions } from 'electron';
import { MemoryKeychain } from '../memory-keychain.js';

/** Something main did, in the order it did it. */
export type DoubleRecord = { kind: string; [key: string]: unknown };

/** What a test asks of the double: to play the OS (ready, links, quit), the user (dialogs, menu) or the page. */
export type DoubleCommand =
  | { op: 'ready' }
  | { op: 'invoke'; channel: string; senderUrl: string | null; payload: unknown }
  | { op: 'finishLoad'; windowId: number }
  | { op: 'reload'; windowId: number }
  | { op: 'emitApp'; event: string; args: unknown[] }
  | { op: 'quit' }
  | { op: 'answerDialog'; response: number }
  | { op: 'clickMenu'; id: string }
  | { op: 'request'; url: string }
  | { op: 'navigate'; windowId: number; url: string }
  | { op: 'windowOpen'; windowId: number; url: string }
  | { op: 'permission'; permission: string; url: string }
  | { op: 'minimize'; windowId: number }
  | { op: 'closeWindow'; windowId: number };

export interface DoubleOptions {
  /** What app.getAppPath() answers: the folder `electron <folder>` was started with. */
  appDir: string;
  /** What app.getPath('userData') answers until main sets it. */
  userData: string;
  /** Whether this process gets the single-instance lock (false: another instance runs). */
  singleInstanceLock: boolean;
  record(record: DoubleRecord): void;
  /** Electron exits once quitting is not prevented. */
  exit(): void;
}

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny'; overrideBrowserWindowOptions?: unknown };
type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type ProtocolHandler = (request: Request) => Response | Promise<Response>;
type InvokeHandler = (event: unknown, payload: unknown) => unknown;
type MessageBoxOptions = { message: string; [key: string]: unknown };

/** Electron's own error messages where it refuses a call made too early. */
const notReady = (what: string) => new Error(`${what} can't be used before the app is ready (electron double)`);

function preventableEvent() {
  const event = { defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) };
  return event;
}

/** Menu templates hold functions: what crosses to the test is their shape. */
function describeTemplate(items: MenuItemConstructorOptions[]): unknown[] {
  return items.map((item) => ({
    ...(item.id ? { id: item.id } : {}),
    ...(item.label ? { label: item.label } : {}),
    ...(item.role ? { role: item.role } : {}),
    ...(item.type ? { type: item.type } : {}),
    ...(item.click ? { click: true } : {}),
    ...(Array.isArray(item.submenu) ? { submenu: describeTemplate(item.submenu) } : {}),
  }));
}

function findMenuItem(items: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.id === id) return item;
    const inside = Array.isArray(item.submenu) ? findMenuItem(item.submenu, id) : undefined;
    if (inside) return inside;
  }
  return undefined;
}

export function createElectronDouble(options: DoubleOptions) {
  const { record } = options;
  let ready = false;
  let markReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve));
  const paths = new Map<string, string>([['userData', options.userData]]);
  const keychain = new MemoryKeychain();
  const windows: FakeBrowserWindow[] = [];
  const handlers = new Map<string, InvokeHandler>();
  const protocolHandlers = new Map<string, ProtocolHandler>();
  const pendingDialogs: Array<(response: number) => void> = [];
  let focusedId: number | undefined;
  let applicationMenu: MenuItemConstructorOptions[] | undefined;
  let permissionRequestHandler: PermissionRequestHandler | undefined;
  let permissionCheckHandler: ((...args: unknown[]) => boolean) | undefined;
  let nextWindowId = 1;
  let quitCalls = 0;

  class FakeApp extends EventEmitter {
    readonly isPackaged = false;
    whenReady(): Promise<void> {
      return readyPromise;
    }
    isReady(): boolean {
      return ready;
    }
    getAppPath(): string {
      return options.appDir;
    }
    getPath(name: string): string {
      const found = paths.get(name);
      if (!found) throw new Error(`electron double: no path "${name}"`);
      return found;
    }
    setPath(name: string, value: string): void {
      record({ kind: 'app.setPath', name, path: value });
      paths.set(name, value);
    }
    requestSingleInstanceLock(): boolean {
      record({ kind: 'app.requestSingleInstanceLock', granted: options.singleInstanceLock });
      return options.singleInstanceLock;
    }
    setAsDefaultProtocolClient(scheme: string): boolean {
      record({ kind: 'app.setAsDefaultProtocolClient', scheme });
      return true;
    }
    /** As Electron: before-quit, every window closes, will-quit (which may be prevented), then the process exits. */
    quit(): void {
      quitCalls += 1;
      record({ kind: 'app.quit', call: quitCalls });
      setImmediate(() => {
        const beforeQuit = preventableEvent();
        this.emit('before-quit', beforeQuit);
        if (beforeQuit.defaultPrevented) return;
        for (const window of [...windows]) {
          if (!window.close()) return;
        }
        const willQuit = preventableEvent();
        this.emit('will-quit', willQuit);
        record({ kind: 'app.will-quit', prevented: willQuit.defaultPrevented });
        if (willQuit.defaultPrevented) return;
        this.emit('quit', preventableEvent(), 0);
        record({ kind: 'app.exit' });
        options.exit();
      });
    }
  }
  const app = new FakeApp();

  class FakeWebContents extends EventEmitter {
    loading = true;
    url = '';
    windowOpenHandler: WindowOpenHandler | undefined;
    destroyed = false;
    constructor(readonly id: number) {
      super();
    }
    send(channel: string, ...args: unknown[]): void {
      record({ kind: 'webContents.send', windowId: this.id, channel, payload: args[0] });
    }
    isLoading(): boolean {
      return this.loading;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    getURL(): string {
      return this.url;
    }
    setWindowOpenHandler(handler: WindowOpenHandler): void {
      record({ kind: 'webContents.setWindowOpenHandler', windowId: this.id });
      this.windowOpenHandler = handler;
    }
  }

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows(): FakeBrowserWindow[] {
      return [...windows];
    }
    static getFocusedWindow(): FakeBrowserWindow | null {
      return windows.find((window) => window.id === focusedId) ?? null;
    }
    readonly id = nextWindowId++;
    readonly webContents = new FakeWebContents(this.id);
    destroyed = false;
    minimized = false;
    maximized = false;
    private loaded: () => void = () => undefined;
    constructor(readonly options: { x: number; y: number; width: number; height: number; [key: string]: unknown }) {
      super();
      if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
      windows.push(this);
      record({ kind: 'window.created', windowId: this.id, options });
      app.emit('web-contents-created', preventableEvent(), this.webContents);
    }
    loadURL(url: string): Promise<void> {
      record({ kind: 'window.loadURL', windowId: this.id, url });
      this.webContents.url = url;
      this.webContents.loading = true;
      return new Promise((resolve) => (this.loaded = resolve));
    }
    /** The page finished loading, as Chromium reports it: isLoading() turns false only at did-stop-loading. */
    finishLoad(): void {
      this.webContents.emit('did-finish-load');
      this.emit('ready-to-show');
      this.webContents.loading = false;
      this.webContents.emit('did-stop-loading');
      this.loaded();
    }
    /** Resolves false if a 'close' listener prevented it. */
    close(): boolean {
      const event = preventableEvent();
      this.emit('close', event);
      if (event.defaultPrevented) return false;
      this.destroyed = true;
      this.webContents.destroyed = true;
      windows.splice(windows.indexOf(this), 1);
      record({ kind: 'window.closed', windowId: this.id });
      this.emit('closed');
      return true;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    show(): void {
      record({ kind: 'window.show', windowId: this.id });
    }
    focus(): void {
      record({ kind: 'window.focus', windowId: this.id });
      focusedId = this.id;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    restore(): void {
      record({ kind: 'window.restore', windowId: this.id });
      this.minimized = false;
    }
    maximize(): void {
      this.maximized = true;
    }
    isMaximized(): boolean {
      return this.maximized;
    }
    getNormalBounds() {
      const { x, y, width, height } = this.options;
      return { x, y, width, height };
    }
  }

  const screenDisplay = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 }, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
  const screen = {
    getPrimaryDisplay() {
      if (!ready) throw notReady("The 'screen' module");
      return screenDisplay;
    },
    getAllDisplays() {
      if (!ready) throw notReady("The 'screen' module");
      return [screenDisplay];
    },
  };

  const ipcMainDouble = {
    handle(channel: string, handler: InvokeHandler): void {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      record({ kind: 'ipcMain.handle', channel });
      handlers.set(channel, handler);
    },
    removeHandler(channel: string): void {
      handlers.delete(channel);
    },
  };

  const protocol = {
    registerSchemesAsPrivileged(schemes: unknown[]): void {
      if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      record({ kind: 'protocol.registerSchemesAsPrivileged', schemes });
    },
    handle(scheme: string, handler: ProtocolHandler): void {
      if (!ready) throw notReady('protocol.handle');
      if (protocolHandlers.has(scheme)) throw new Error(`The scheme "${scheme}" is already handled`);
      record({ kind: 'protocol.handle', scheme });
      protocolHandlers.set(scheme, handler);
    },
  };

  const defaultSession = {
    setPermissionRequestHandler(handler: PermissionRequestHandler): void {
      record({ kind: 'session.setPermissionRequestHandler' });
      permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void {
      record({ kind: 'session.setPermissionCheckHandler' });
      permissionCheckHandler = handler;
    },
  };
  const session = {
    get defaultSession() {
      if (!ready) throw notReady('session.defaultSession');
      return defaultSession;
    },
  };

  const dialog = {
    /** Stays open until the test answers (DoubleCommand answerDialog), as a native dialog waits for the user. */
    showMessageBox(
      ...args: [FakeBrowserWindow, MessageBoxOptions] | [MessageBoxOptions]
    ): Promise<{ response: number; checkboxChecked: boolean }> {
      if (!ready) return Promise.reject(notReady('dialog.showMessageBox'));
      const [parent, boxOptions] = args.length === 2 ? args : [undefined, args[0]];
      record({ kind: 'dialog.showMessageBox', parentWindowId: parent?.id ?? null, options: boxOptions });
      return new Promise((resolve) => pendingDialogs.push((response) => resolve({ response, checkboxChecked: false })));
    },
  };

  const Menu = {
    buildFromTemplate(template: MenuItemConstructorOptions[]) {
      return { template };
    },
    setApplicationMenu(menu: { template: MenuItemConstructorOptions[] } | null): void {
      applicationMenu = menu?.template;
      record({ kind: 'menu.setApplicationMenu', template: menu ? describeTemplate(menu.template) : null });
    },
  };

  /** Linux with GNOME Keyring unlocked; before `ready` Chromium has not picked a backend yet. */
  const safeStorage = {
    isEncryptionAvailable: () => ready,
    getSelectedStorageBackend: () => (ready ? 'gnome_libsecret' : 'unknown'),
    encryptString(text: string): Buffer {
      if (!ready) throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
      return keychain.encrypt(text);
    },
    decryptString(data: Buffer): string {
      if (!ready)
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
      return keychain.decrypt(data);
    },
  };

  const shell = {
    async openExternal(url: string): Promise<void> {
      record({ kind: 'shell.openExternal', url });
    },
  };

  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog,
    // eslint-disable-next-line no-restricted-syntax -- the stand-in must offer Electron's ipcMain; only the bundle under test calls it
    ipcMain: ipcMainDouble,
    Menu,
    protocol,
    safeStorage,
    screen,
    session,
    shell,
  };

  const windowById = (id: number) => {
    const window = windows.find((candidate) => candidate.id === id);
    if (!window) throw new Error(`electron double: no open window ${id}`);
    return window;
  };

  /** The test's side: each command answers with something that crosses a process boundary (JSON). */
  async function run(command: DoubleCommand): Promise<unknown> {
    switch (command.op) {
      case 'ready':
        ready = true;
        record({ kind: 'app.ready' });
        app.emit('ready', preventableEvent(), {});
        markReady();
        return null;
      case 'invoke': {
        const handler = handlers.get(command.channel);
        if (!handler) throw new Error(`electron double: no handler for ${command.channel}`);
        const sender = windows[0]?.webContents;
        const event = { sender, senderFrame: command.senderUrl === null ? null : { url: command.senderUrl }, processId: 1, frameId: 1 };
        return await handler(event, command.payload);
      }
      case 'finishLoad':
        windowById(command.windowId).finishLoad();
        return null;
      case 'reload':
        // The page reloads (as after choosing a server): loading until finishLoad.
        windowById(command.windowId).webContents.loading = true;
        record({ kind: 'webContents.reload', windowId: command.windowId });
        return null;
      case 'emitApp': {
        const event = preventableEvent();
        app.emit(command.event, event, ...command.args);
        return { prevented: event.defaultPrevented };
      }
      case 'quit':
        app.quit();
        return null;
      case 'answerDialog': {
        const answer = pendingDialogs.shift();
        if (!answer) throw new Error('electron double: no dialog is open');
        answer(command.response);
        return null;
      }
      case 'clickMenu': {
        const item = applicationMenu && findMenuItem(applicationMenu, command.id);
        if (!item?.click) throw new Error(`electron double: no menu item ${command.id} to click`);
        // Electron passes the item, the focused window and the keyboard event.
        (item.click as (...args: unknown[]) => void)(item, FakeBrowserWindow.getFocusedWindow() ?? undefined, {});
        return null;
      }
      case 'request': {
        const scheme = new URL(command.url).protocol.slice(0, -1);
        const handler = protocolHandlers.get(scheme);
        if (!handler) throw new Error(`electron double: no handler for ${scheme}:`);
        const response = await handler(new Request(command.url));
        return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
      }
      case 'navigate': {
        const event = preventableEvent();
        windowById(command.windowId).webContents.emit('will-navigate', event, command.url);
        return { prevented: event.defaultPrevented };
      }
      case 'windowOpen': {
        const handler = windowById(command.windowId).webContents.windowOpenHandler;
        if (!handler) throw new Error('electron double: no window open handler');
        return handler({ url: command.url });
      }
      case 'permission': {
        if (!permissionRequestHandler || !permissionCheckHandler) throw new Error('electron double: no permission handlers');
        const requested = await new Promise<boolean>((resolve) =>
          permissionRequestHandler!(windows[0]?.webContents, command.permission, resolve, { requestingUrl: command.url }),
        );
        const checked = permissionCheckHandler(windows[0]?.webContents, command.permission, new URL(command.url).origin, {
          requestingUrl: command.url,
        });
        return { requested, checked };
      }
      case 'minimize':
        windowById(command.windowId).minimized = true;
        return null;
      case 'closeWindow':
        // The user closes a window (not quitting): the last one gone, Electron says so.
        if (windowById(command.windowId).close() && windows.length === 0) app.emit('window-all-closed');
        return null;
    }
  }

  return { electron, run };
}
