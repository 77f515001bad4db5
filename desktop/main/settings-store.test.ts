import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsStore, writeFileAtomically } from './settings-store.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-settings-'));
  file = path.join(dir, 'settings.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const onDisk = () => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
const leftovers = () => fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'));
const bounds = { x: 120, y: 80, width: 1280, height: 800, maximized: false };

describe('SettingsStore', () => {
  it('starts from defaults on first start without writing anything', () => {
    expect(new SettingsStore(file).load()).toEqual({ serverUrl: null, runLocation: 'auto' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('remembers what is updated, across store instances (a restart)', () => {
    const store = new SettingsStore(file);
    store.update({ serverUrl: 'https://tandem.example.com' });
    store.update({ runLocation: 'local', window: bounds });
    expect(new SettingsStore(file).load()).toEqual({ serverUrl: 'https://tandem.example.com', runLocation: 'local', window: bounds });
  });

  it('normalises the server address with parseServerUrl and refuses a bad one with its message, keeping the old value', () => {
    const store = new SettingsStore(file);
    expect(store.update({ serverUrl: '  localhost:4000/ ' }).serverUrl).toBe('http://localhost:4000');
    expect(() => store.update({ serverUrl: 'http://tandem.example.com' })).toThrow(/Use https:\/\//);
    expect(() => store.update({ serverUrl: 'ftp://x' })).toThrow(/http:\/\/ or https:\/\//);
    expect(store.load().serverUrl).toBe('http://localhost:4000');
    expect(store.update({ serverUrl: null }).serverUrl).toBeNull();
  });

  it('refuses other invalid values instead of storing them', () => {
    const store = new SettingsStore(file);
    expect(() => store.update({ runLocation: 'moon' as never })).toThrow();
    expect(() => store.update({ window: { ...bounds, width: -5 } })).toThrow();
    expect(() => store.update({ window: { ...bounds, x: Number.NaN } })).toThrow();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('rounds fractional window bounds from scaled displays instead of refusing them', () => {
    const store = new SettingsStore(file);
    expect(store.update({ window: { x: 10.5, y: -3.2, width: 1279.6, height: 800.4, maximized: true } }).window).toEqual({
      x: 11,
      y: -3,
      width: 1280,
      height: 800,
      maximized: true,
    });
  });

  it('reads the file once, and hands out copies its callers cannot change', () => {
    const store = new SettingsStore(file);
    store.update({ serverUrl: 'https://tandem.example.com', window: bounds });
    fs.rmSync(file);
    const loaded = store.load();
    expect(loaded.serverUrl).toBe('https://tandem.example.com');
    loaded.window!.width = 1;
    loaded.runLocation = 'cloud';
    expect(store.load()).toEqual({ serverUrl: 'https://tandem.example.com', runLocation: 'auto', window: bounds });
  });

  it.each([
    ['not JSON at all', 'serverUrl=https://tandem.example.com'],
    ['truncated JSON', '{"serverUrl": "https://tandem.exa'],
    ['an empty file', ''],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('falls back to defaults for a corrupt file (%s) and keeps it aside as settings.json.bad', (_why, content) => {
    fs.writeFileSync(file, content);
    expect(new SettingsStore(file).load()).toEqual(DEFAULT_SETTINGS);
    expect(fs.readFileSync(`${file}.bad`, 'utf8')).toBe(content);
    expect(onDisk()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps the valid fields of an older or hand-edited file and sets the original aside', () => {
    const older = JSON.stringify({
      serverUrl: 'https://Tandem.Example.com/',
      runLocation: 'remote',
      window: { x: 1, y: 2 },
      theme: 'dark',
    });
    fs.writeFileSync(file, older);
    const expected = { serverUrl: 'https://tandem.example.com', runLocation: 'auto' };
    expect(new SettingsStore(file).load()).toEqual(expected);
    expect(fs.readFileSync(`${file}.bad`, 'utf8')).toBe(older);
    expect(onDisk()).toEqual(expected);
    expect(new SettingsStore(file).load()).toEqual(expected);
  });

  it('drops an invalid server address from a hand-edited file rather than using it', () => {
    fs.writeFileSync(file, JSON.stringify({ serverUrl: 'http://plaintext.example.com', runLocation: 'cloud' }));
    expect(new SettingsStore(file).load()).toEqual({ serverUrl: null, runLocation: 'cloud' });
    expect(fs.existsSync(`${file}.bad`)).toBe(true);
  });

  it('does not set aside a valid file', () => {
    const store = new SettingsStore(file);
    store.update({ serverUrl: 'https://tandem.example.com' });
    store.load();
    expect(fs.existsSync(`${file}.bad`)).toBe(false);
  });

  it('creates the userData directory when it does not exist yet', () => {
    const nested = path.join(dir, 'Tandem', 'settings.json');
    new SettingsStore(nested).update({ runLocation: 'cloud' });
    expect(JSON.parse(fs.readFileSync(nested, 'utf8'))).toEqual({ serverUrl: null, runLocation: 'cloud' });
  });

  it('replaces the file in one rename, so a reader never sees a half-written file', () => {
    const store = new SettingsStore(file);
    store.update({ runLocation: 'cloud' });
    // A hard link keeps pointing at the old file: an in-place write would change it, a rename does not.
    fs.linkSync(file, path.join(dir, 'before'));
    store.update({ runLocation: 'local' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'before'), 'utf8'))).toMatchObject({ runLocation: 'cloud' });
    expect(onDisk()).toMatchObject({ runLocation: 'local' });
    expect(leftovers()).toEqual([]);
  });
});

describe('writeFileAtomically', () => {
  it('leaves the target and no temporary file behind when the write cannot complete', () => {
    // The target is a non-empty directory, so the final rename fails.
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'keep'), 'x');
    expect(() => writeFileAtomically(file, '{}')).toThrow();
    expect(fs.readFileSync(path.join(file, 'keep'), 'utf8')).toBe('x');
    expect(leftovers()).toEqual([]);
  });

  it('creates the file with the mode asked for', () => {
    writeFileAtomically(file, 'secret', 0o600);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('secret');
  });
});
