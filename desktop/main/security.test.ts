import { describe, expect, it } from 'vitest';
import { appLocations } from './app-paths.js';
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  decideNavigation,
  devServerOrigin,
  originOf,
  permissionAllowed,
  secureWebPreferences,
} from './security.js';

const production = { origins: [APP_ORIGIN] };

describe('origins', () => {
  it('gives app:// pages a real origin (WHATWG URL calls it "null")', () => {
    expect(new URL('app://tandem/x').origin).toBe('null');
    expect(originOf('app://tandem/projects/1')).toBe('app://tandem');
    expect(originOf('app://evil/')).toBe('app://evil');
    expect(originOf('file:///etc/passwd')).toBeUndefined();
    expect(originOf('devtools://devtools/x')).toBeUndefined();
  });

  it('takes a dev server only on this machine, over http', () => {
    expect(devServerOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    expect(devServerOrigin('http://127.0.0.1:5173/')).toBe('http://127.0.0.1:5173');
    expect(devServerOrigin('https://evil.example.com')).toBeUndefined();
    expect(devServerOrigin('http://192.168.1.2:5173')).toBeUndefined();
    expect(devServerOrigin('file:///tmp/index.html')).toBeUndefined();
    expect(devServerOrigin(undefined)).toBeUndefined();
  });

  it('ignores TANDEM_RENDERER_URL in an installed app', () => {
    const env = { TANDEM_RENDERER_URL: 'http://localhost:5173' };
    expect(appLocations({ appDir: '/app/dist/desktop', isPackaged: true, env })).toMatchObject({
      startUrl: 'app://tandem/',
      trusted: { origins: ['app://tandem'] },
      rendererDir: '/app/dist/desktop/renderer',
      preloadFile: '/app/dist/desktop/preload/preload.cjs',
    });
    expect(appLocations({ appDir: '/app/dist/desktop', isPackaged: false, env })).toMatchObject({
      startUrl: 'http://localhost:5173/',
      trusted: { origins: ['http://localhost:5173'] },
    });
  });
});

describe('navigation', () => {
  it.each([
    ['app://tandem/projects/42', 'allow'],
    ['https://github.com/tandem', 'open-external'],
    ['http://example.com/', 'open-external'],
    ['file:///etc/passwd', 'deny'],
    ['javascript:alert(1)', 'deny'],
    ['smb://attacker/share', 'deny'],
    ['app://evil/', 'deny'],
    ['devtools://devtools/', 'deny'],
    ['about:blank', 'deny'],
    ['http://localhost:5173/', 'open-external'],
  ] as const)('%s: %s', (url, decision) => {
    expect(decideNavigation(url, production)).toBe(decision);
  });
});

describe('permissions', () => {
  it('are denied by default, and listed ones only to the app', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'usb', 'fullscreen']) {
      expect(permissionAllowed(permission, 'app://tandem/', production)).toBe(false);
    }
    expect(permissionAllowed('clipboard-sanitized-write', 'app://tandem/', production)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://evil.example.com/', production)).toBe(false);
    expect(permissionAllowed('clipboard-sanitized-write', undefined, production)).toBe(false);
  });
});

describe('the Content-Security-Policy', () => {
  it('allows scripts only from the app, WebAssembly, and the network only to the server', () => {
    const csp = contentSecurityPolicy('https://tandem.example.com', 41234);
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp).toContain("connect-src 'self' https://tandem.example.com wss://tandem.example.com ws://127.0.0.1:41234;");
    expect(csp).not.toContain('127.0.0.1:*');
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval ');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('uses the default server before one is chosen, with its WebSocket origin', () => {
    expect(contentSecurityPolicy(null)).toContain("connect-src 'self' http://localhost:4000 ws://localhost:4000;");
  });
});

describe('window and menu', () => {
  it("follow Electron's security checklist", () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  it('keep running in the background: terminals ack their output and sync runs on timers', () => {
    expect(secureWebPreferences('/p.cjs').backgroundThrottling).toBe(false);
  });
});
