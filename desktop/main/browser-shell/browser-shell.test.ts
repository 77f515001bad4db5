import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_PATH, shellCookieName, startBrowserShell, type BrowserShell } from './browser-shell.js';

// A staged app folder of our own: the shell's behaviour does not depend on the renderer's build.
const appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-browser-shell-app-'));
const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-browser-shell-data-'));
fs.mkdirSync(path.join(appDir, 'preload'));
fs.mkdirSync(path.join(appDir, 'renderer'));
fs.writeFileSync(path.join(appDir, 'preload/preload.cjs'), 'require("electron").contextBridge.exposeInMainWorld("tandemDesktop", {});');
fs.writeFileSync(
  path.join(appDir, 'renderer/index.html'),
  '<!doctype html><html><head><script type="module" src="/app.js"></script></head></html>',
);

const controlToken = 'a-test-control-token';
let shell: BrowserShell;

beforeAll(async () => {
  shell = await startBrowserShell({ port: 0, userData, appDir, controlToken, log: () => undefined });
  const entry = await fetch(`${shell.origin}/?shell-token=${controlToken}`, { redirect: 'manual' });
  cookie = (entry.headers.get('set-cookie') ?? '').split(';')[0]!;
});

afterAll(async () => {
  await shell?.close();
});

/** The page's cookie, as the printed address sets it (beforeAll). */
let cookie = '';
const ipc = (channel: string, body: unknown, headers: Record<string, string> = { referer: `${shell.origin}/projects`, cookie }) =>
  fetch(`${shell.origin}/__shell/ipc/${channel}`, { method: 'POST', body: JSON.stringify(body), headers });

describe('browser shell', () => {
  it('serves the app with the desktop CSP and the bridge ahead of the page’s own scripts', async () => {
    const response = await fetch(`${shell.origin}/projects/some-id`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    const html = await response.text();
    expect(html.indexOf(BRIDGE_PATH)).toBeGreaterThan(-1);
    expect(html.indexOf(BRIDGE_PATH)).toBeLessThan(html.indexOf('/app.js'));
    const bridge = await (await fetch(`${shell.origin}${BRIDGE_PATH}`)).text();
    expect(bridge).toContain('exposeInMainWorld("tandemDesktop"');
  });

  it('answers IPC through the main process’s guard and handlers, for the app’s own pages only', async () => {
    const answer = await (await ipc('settings.get', {})).json();
    expect(answer).toEqual({ ok: true, value: { serverUrl: null, runLocation: 'auto' } });
    const foreign = await (await ipc('settings.get', {}, { referer: 'http://evil.example/', cookie })).json();
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    const anonymous = await (await ipc('settings.get', {}, { cookie })).json();
    expect(anonymous).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    const unknown = await (await ipc('fs.readFile', {})).json();
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    const bad = await (await ipc('settings.setRunLocation', { runLocation: 'moon' })).json();
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('wants this launch’s secret, as the cookie the printed address sets, before any IPC: other programs cannot call in', async () => {
    const without = await ipc('session.load', {}, { referer: `${shell.origin}/` });
    expect(without.status).toBe(401);
    const events = await fetch(`${shell.origin}/__shell/events`);
    expect(events.status).toBe(401);
    const wrong = await fetch(`${shell.origin}/?shell-token=guess`, { redirect: 'manual' });
    expect(wrong.status).toBe(401);
    const entry = await fetch(`${shell.origin}/projects?shell-token=${controlToken}`, { redirect: 'manual' });
    expect(entry.status).toBe(303);
    expect(entry.headers.get('location')).toBe('/projects');
    const setCookie = entry.headers.get('set-cookie') ?? '';
    // Its own secret, not the control token (the browser sends it to every port on 127.0.0.1), named per port.
    expect(setCookie).toMatch(
      new RegExp(`^${shellCookieName(new URL(shell.origin).port)}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    expect(setCookie).not.toContain(controlToken);
    const asPage = await ipc('settings.get', {}, { referer: `${shell.origin}/`, cookie: setCookie.split(';')[0]! });
    expect(asPage.status).toBe(200);
    const withControlToken = await ipc(
      'settings.get',
      {},
      { referer: `${shell.origin}/`, cookie: `${shellCookieName(new URL(shell.origin).port)}=${controlToken}` },
    );
    expect(withControlToken.status).toBe(401);
  });

  it('answers only under its own host name (no DNS rebinding)', async () => {
    const port = new URL(shell.origin).port;
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: `attacker.example:${port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    expect(rebound).toBe(421);
    const localhost = await new Promise<number>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: `localhost:${port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    expect(localhost).toBe(421);
  });

  it('keeps the control API (the native dialogs, the OS’s links) from page scripts', async () => {
    const refused = await fetch(`${shell.origin}/__shell/control/dialogs`, {
      method: 'POST',
      body: JSON.stringify({ serverChangeAnswer: true }),
    });
    expect(refused.status).toBe(401);
    const headers = { 'x-browser-shell-token': controlToken };
    const badLink = await fetch(`${shell.origin}/__shell/control/link`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: 'tandem://nope' }),
    });
    expect(badLink.status).toBe(400);
    const link = await fetch(`${shell.origin}/__shell/control/link`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: 'tandem://open/6f1c1e4e-8b1a-4c1e-9b1a-2c1e4e8b1a4c' }),
    });
    expect(link.status).toBe(200);
    const taken = await (await ipc('deepLink.take', {})).json();
    expect(taken).toEqual({ ok: true, value: { links: [{ kind: 'open', projectId: '6f1c1e4e-8b1a-4c1e-9b1a-2c1e4e8b1a4c' }] } });
  });

  it('asks its stand-in dialog before changing the server, as the app asks the user', async () => {
    expect(await (await ipc('settings.setServerUrl', { url: 'http://127.0.0.1:4000' })).json()).toMatchObject({ ok: true });
    const headers = { 'x-browser-shell-token': controlToken };
    const declined = await (await ipc('settings.setServerUrl', { url: 'http://127.0.0.1:4001' })).json();
    expect(declined).toMatchObject({ ok: true, value: { ok: false, cancelled: true } });
    const state = (await (await fetch(`${shell.origin}/__shell/control/state`, { headers })).json()) as { serverChangeQuestions: unknown };
    expect(state.serverChangeQuestions).toEqual([{ from: 'http://127.0.0.1:4000', to: 'http://127.0.0.1:4001' }]);
  });
});
