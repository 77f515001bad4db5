import { describe, expect, it } from 'vitest';
import { dockerEndpointCandidates, resolveDockerEndpoint, type DockerEnvironment } from './docker-endpoint.js';

const fixture = (
  platform: NodeJS.Platform,
  existing: string[],
  env: Record<string, string> = {},
  homedir = '/home/ada',
  dockerContext?: { name: string; host: string },
): DockerEnvironment => ({
  env,
  platform,
  homedir,
  exists: (file) => existing.includes(file),
  ...(dockerContext ? { dockerContext } : {}),
});

describe('Docker endpoint detection', () => {
  it('uses DOCKER_HOST alone when set: unix, tcp, tcp with TLS, ssh, npipe', () => {
    expect(resolveDockerEndpoint(fixture('linux', [], { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).options).toEqual({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(resolveDockerEndpoint(fixture('linux', [], { DOCKER_HOST: 'tcp://10.0.0.5:2375' })).options).toEqual({
      protocol: 'http',
      host: '10.0.0.5',
      port: '2375',
    });
    expect(
      resolveDockerEndpoint(fixture('linux', [], { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1' })).options,
    ).toMatchObject({
      protocol: 'https',
      host: 'docker.example',
    });
    expect(resolveDockerEndpoint(fixture('darwin', [], { DOCKER_HOST: 'ssh://me@build.example' })).options).toEqual({
      protocol: 'ssh',
      host: 'build.example',
      port: 22,
      username: 'me',
    });
    expect(resolveDockerEndpoint(fixture('win32', [], { DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).options).toEqual({
      socketPath: '//./pipe/docker_engine',
    });
    expect(() => dockerEndpointCandidates(fixture('linux', [], { DOCKER_HOST: 'ftp://x' }))).toThrow(/unsupported scheme/);
  });

  it.each([
    ['Docker Desktop on macOS', 'darwin', ['/Users/ada/.docker/run/docker.sock'], '/Users/ada/.docker/run/docker.sock'],
    ['Colima on macOS', 'darwin', ['/Users/ada/.colima/default/docker.sock'], '/Users/ada/.colima/default/docker.sock'],
    ['OrbStack on macOS', 'darwin', ['/Users/ada/.orbstack/run/docker.sock'], '/Users/ada/.orbstack/run/docker.sock'],
    ['Rancher Desktop on macOS', 'darwin', ['/Users/ada/.rd/docker.sock'], '/Users/ada/.rd/docker.sock'],
    ['the system engine on Linux or WSL2', 'linux', ['/var/run/docker.sock'], '/var/run/docker.sock'],
    ['rootless Docker on Linux', 'linux', ['/run/user/1000/docker.sock'], '/run/user/1000/docker.sock'],
    ['Docker Desktop on Windows', 'win32', ['//./pipe/docker_engine'], '//./pipe/docker_engine'],
  ] as const)('finds %s', (_name, platform, existing, expected) => {
    const home = platform === 'darwin' ? '/Users/ada' : platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada';
    const env: Record<string, string> = platform === 'linux' ? { XDG_RUNTIME_DIR: '/run/user/1000' } : {};
    expect(resolveDockerEndpoint(fixture(platform, [...existing], env, home)).options.socketPath).toBe(expected);
  });

  it('names the most likely place when no engine is found', () => {
    expect(resolveDockerEndpoint(fixture('darwin', [], {}, '/Users/ada')).description).toBe(
      'Docker Desktop (unix:///Users/ada/.docker/run/docker.sock)',
    );
  });

  describe('with the current `docker context`', () => {
    const lima = { name: 'lima-dev', host: 'unix:///Users/ada/.lima/dev/sock/docker.sock' };

    it('comes right after DOCKER_HOST: the environment variable still wins', () => {
      const e = fixture('darwin', [lima.host.slice(7)], { DOCKER_HOST: 'tcp://10.0.0.5:2375' }, '/Users/ada', lima);
      expect(dockerEndpointCandidates(e).map((c) => c.description)).toEqual(['DOCKER_HOST (tcp://10.0.0.5:2375)']);
    });

    it('is chosen ahead of the platform places when its engine is there', () => {
      const e = fixture('darwin', ['/Users/ada/.lima/dev/sock/docker.sock', '/Users/ada/.docker/run/docker.sock'], {}, '/Users/ada', lima);
      expect(resolveDockerEndpoint(e)).toEqual({
        description: 'docker context "lima-dev" (unix:///Users/ada/.lima/dev/sock/docker.sock)',
        options: { socketPath: '/Users/ada/.lima/dev/sock/docker.sock' },
      });
    });

    it('does not hide a running engine when the context points at a socket that is gone', () => {
      const e = fixture('darwin', ['/Users/ada/.docker/run/docker.sock'], {}, '/Users/ada', lima);
      expect(resolveDockerEndpoint(e).description).toBe('Docker Desktop (unix:///Users/ada/.docker/run/docker.sock)');
      expect(dockerEndpointCandidates(e)[0]!.options.socketPath).toBe('/Users/ada/.lima/dev/sock/docker.sock');
    });

    it('keeps the friendly name when the context points at a place already known (OrbStack, Docker Desktop on Windows)', () => {
      const orbstack = { name: 'orbstack', host: 'unix:///Users/ada/.orbstack/run/docker.sock' };
      const mac = fixture(
        'darwin',
        ['/Users/ada/.orbstack/run/docker.sock', '/Users/ada/.docker/run/docker.sock'],
        {},
        '/Users/ada',
        orbstack,
      );
      expect(resolveDockerEndpoint(mac).description).toBe('OrbStack (unix:///Users/ada/.orbstack/run/docker.sock)');
      expect(dockerEndpointCandidates(mac).filter((c) => c.options.socketPath === '/Users/ada/.orbstack/run/docker.sock')).toHaveLength(1);
      const desktopLinux = { name: 'desktop-linux', host: 'npipe:////./pipe/dockerDesktopLinuxEngine' };
      const windows = fixture('win32', ['//./pipe/dockerDesktopLinuxEngine', '//./pipe/docker_engine'], {}, 'C:\\Users\\ada', desktopLinux);
      expect(resolveDockerEndpoint(windows).options.socketPath).toBe('//./pipe/dockerDesktopLinuxEngine');
    });

    it('reaches a remote context over ssh or tcp without looking for a file', () => {
      const ssh = fixture('linux', [], {}, '/home/ada', { name: 'build-box', host: 'ssh://ada@build.example' });
      expect(resolveDockerEndpoint(ssh)).toEqual({
        description: 'docker context "build-box" (ssh://ada@build.example)',
        options: { protocol: 'ssh', host: 'build.example', port: 22, username: 'ada' },
      });
      const tcp = fixture('linux', [], { DOCKER_TLS_VERIFY: '1' }, '/home/ada', { name: 'lan', host: 'tcp://10.0.0.7:2375' });
      expect(resolveDockerEndpoint(tcp).options).toEqual({ protocol: 'http', host: '10.0.0.7', port: '2375' });
    });

    it('ignores a context it cannot use instead of failing detection', () => {
      for (const host of ['ftp://x', 'not a url', '   ']) {
        const e = fixture('linux', ['/var/run/docker.sock'], {}, '/home/ada', { name: 'odd', host });
        expect(resolveDockerEndpoint(e).description).toBe('the system Docker engine (unix:///var/run/docker.sock)');
      }
    });
  });
});
