import { describe, expect, it } from 'vitest';
import { dockerEndpointCandidates, resolveDockerEndpoint, type DockerEnvironment } from './docker-endpoint.js';

const fixture = (
  platform: NodeJS.Platform,
  existing: string[],
  env: Record<string, string> = {},
  homedir = '/home/ada',
): DockerEnvironment => ({
  env,
  platform,
  homedir,
  exists: (file) => existing.includes(file),
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
});
