import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveDockerEndpoint } from '../../shared/sandbox/docker-endpoint.js';
import { currentDockerContextEndpoint, dockerConfigDir } from './docker-context.js';

// Context files written by the real Docker CLI (`docker context create`); see fixtures/README.md.
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'docker-config');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-docker-context-'));
  fs.cpSync(FIXTURES, dir, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const useContext = (name: string | undefined, extra: Record<string, unknown> = {}) =>
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ auths: {}, ...extra, ...(name ? { currentContext: name } : {}) }, null, '\t'),
  );
const metaFile = (name: string) => path.join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');

describe('currentDockerContextEndpoint', () => {
  it.each([
    ['colima', 'unix:///Users/ada/.colima/default/docker.sock'],
    ['orbstack', 'unix:///Users/ada/.orbstack/run/docker.sock'],
    ['desktop-linux', 'unix:///Users/ada/.docker/run/docker.sock'],
    ['rancher-desktop', 'unix:///Users/ada/.rd/docker.sock'],
    ['build-box', 'ssh://ada@build.example'],
  ])('reads the %s context the CLI wrote', (name, host) => {
    useContext(name, { credsStore: 'desktop' });
    expect(currentDockerContextEndpoint(dir)).toEqual({ name, host });
  });

  it('reads Docker Desktop for Windows, whose context points at a named pipe', () => {
    // The Linux CLI refuses npipe:// hosts, so this one is written as Docker Desktop writes it on Windows.
    fs.mkdirSync(path.dirname(metaFile('desktop-windows')), { recursive: true });
    fs.writeFileSync(
      metaFile('desktop-windows'),
      '{"Name":"desktop-windows","Metadata":{"Description":"Docker Desktop"},"Endpoints":{"docker":{"Host":"npipe:////./pipe/dockerDesktopLinuxEngine","SkipTLSVerify":false}}}',
    );
    // Written by hand in Notepad, so it starts with a byte-order mark.
    fs.writeFileSync(path.join(dir, 'config.json'), '\uFEFF{ "currentContext": "desktop-windows" }');
    expect(currentDockerContextEndpoint(dir)).toEqual({ name: 'desktop-windows', host: 'npipe:////./pipe/dockerDesktopLinuxEngine' });
  });

  it('prefers DOCKER_CONTEXT over config.json, as the CLI does', () => {
    useContext('colima');
    expect(currentDockerContextEndpoint(dir, { DOCKER_CONTEXT: 'orbstack' })).toEqual({
      name: 'orbstack',
      host: 'unix:///Users/ada/.orbstack/run/docker.sock',
    });
    expect(currentDockerContextEndpoint(dir, { DOCKER_CONTEXT: 'default' })).toBeUndefined();
    expect(currentDockerContextEndpoint(dir, { DOCKER_CONTEXT: '' })).toEqual({
      name: 'colima',
      host: 'unix:///Users/ada/.colima/default/docker.sock',
    });
  });

  it('answers undefined for "default", no current context, or no Docker config at all', () => {
    useContext('default');
    expect(currentDockerContextEndpoint(dir)).toBeUndefined();
    useContext(undefined);
    expect(currentDockerContextEndpoint(dir)).toBeUndefined();
    expect(currentDockerContextEndpoint(path.join(dir, 'does-not-exist'))).toBeUndefined();
  });

  it('never throws on malformed or missing files', () => {
    const cases: Array<[string, () => void]> = [
      ['config.json is not JSON', () => fs.writeFileSync(path.join(dir, 'config.json'), '{"currentContext": "colima"')],
      ['config.json is an array', () => fs.writeFileSync(path.join(dir, 'config.json'), '["colima"]')],
      ['currentContext is not a string', () => fs.writeFileSync(path.join(dir, 'config.json'), '{"currentContext": {"name": "colima"}}')],
      ['config.json is a directory', () => fs.mkdirSync(path.join(dir, 'config.json'))],
      ['the context has no meta.json', () => useContext('gone')],
      ['meta.json is truncated', () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), '{"Name":"colima","Endpoints":{"doc'))],
      ['meta.json is null', () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), 'null'))],
      [
        'meta.json has no docker endpoint',
        () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), '{"Name":"colima","Endpoints":{}}')),
      ],
      [
        'the host is a number',
        () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), '{"Name":"colima","Endpoints":{"docker":{"Host":2375}}}')),
      ],
      [
        'the host is empty',
        () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), '{"Name":"colima","Endpoints":{"docker":{"Host":" "}}}')),
      ],
      [
        'meta.json describes another context',
        () => (useContext('colima'), fs.writeFileSync(metaFile('colima'), fs.readFileSync(metaFile('build-box')))),
      ],
    ];
    for (const [why, arrange] of cases) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.cpSync(FIXTURES, dir, { recursive: true });
      arrange();
      expect(() => currentDockerContextEndpoint(dir), why).not.toThrow();
      expect(currentDockerContextEndpoint(dir), why).toBeUndefined();
    }
  });

  it('feeds endpoint detection, which tries the context before the platform places', () => {
    useContext('colima');
    const socketPath = '/Users/ada/.colima/default/docker.sock';
    const endpoint = resolveDockerEndpoint({
      env: {},
      platform: 'darwin',
      homedir: '/Users/ada',
      exists: (file) => file === socketPath || file === '/Users/ada/.docker/run/docker.sock',
      dockerContext: currentDockerContextEndpoint(dir),
    });
    expect(endpoint.options.socketPath).toBe(socketPath);
  });
});

describe('dockerConfigDir', () => {
  it('follows DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/etc/ada-docker' }, '/home/ada')).toBe('/etc/ada-docker');
    expect(dockerConfigDir({ DOCKER_CONFIG: ' ' }, '/home/ada')).toBe(path.join('/home/ada', '.docker'));
    expect(dockerConfigDir({}, '/Users/ada')).toBe(path.join('/Users/ada', '.docker'));
  });
});
