import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAppFile } from './app-files.js';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-renderer-'));
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), '');
  fs.writeFileSync(path.join(root, 'assets', 'automerge.wasm'), '');
  fs.writeFileSync(path.join(os.tmpdir(), 'tandem-secret.txt'), 'secret');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('app:// files', () => {
  it('serves the built files with their types', () => {
    expect(resolveAppFile('app://tandem/assets/index-abc.js', root)).toEqual({
      status: 200,
      file: path.join(root, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppFile('app://tandem/assets/automerge.wasm', root)).toMatchObject({ status: 200, contentType: 'application/wasm' });
  });

  it('answers client-side routes with index.html, and a missing asset with 404', () => {
    for (const url of ['app://tandem/', 'app://tandem', 'app://tandem/projects/42', 'app://tandem/projects/42?x=1#y']) {
      expect(resolveAppFile(url, root)).toMatchObject({ status: 200, file: path.join(root, 'index.html') });
    }
    expect(resolveAppFile('app://tandem/assets/missing.js', root)).toEqual({ status: 404 });
  });

  it('never serves a file outside the renderer', () => {
    for (const url of [
      'app://tandem/../tandem-secret.txt',
      'app://tandem/%2e%2e/tandem-secret.txt',
      'app://tandem/assets/%2e%2e%2f%2e%2e%2ftandem-secret.txt',
      'app://tandem/..%5ctandem-secret.txt',
      'app://tandem/%00.js',
      'app://tandem/%E0%A4%A',
      `app://tandem/${encodeURIComponent(path.join(os.tmpdir(), 'tandem-secret.txt'))}`,
    ]) {
      const result = resolveAppFile(url, root);
      if (result.status === 200) expect(result.file.startsWith(root + path.sep)).toBe(true);
    }
    expect(resolveAppFile('app://evil/index.html', root)).toEqual({ status: 404 });
    expect(resolveAppFile('file:///etc/passwd', root)).toEqual({ status: 404 });
  });
});
