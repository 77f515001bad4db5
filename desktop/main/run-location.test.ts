import { describe, expect, it } from 'vitest';
import { decideRunLocation, type LocalDocker, type RunLocationSetting } from './run-location.js';

const colima: LocalDocker = { ok: true, endpoint: 'Colima (unix:///Users/ada/.colima/default/docker.sock)' };
const noDocker: LocalDocker = {
  ok: false,
  reason: 'Docker engine at Docker Desktop (unix:///Users/ada/.docker/run/docker.sock) is unreachable (connect ENOENT).',
};
const serverHost = 'tandem.example.com';

const decide = (setting: RunLocationSetting, serverReachable: boolean, local: LocalDocker) =>
  decideRunLocation({ setting, serverReachable, local, serverHost });

describe('decideRunLocation', () => {
  it.each([
    ['auto', true, colima, 'cloud', 'Cloud (tandem.example.com)'],
    ['auto', true, noDocker, 'cloud', 'Cloud (tandem.example.com)'],
    ['auto', false, colima, 'local', 'Local Docker (Colima)'],
    ['cloud', true, colima, 'cloud', 'Cloud (tandem.example.com)'],
    ['cloud', true, noDocker, 'cloud', 'Cloud (tandem.example.com)'],
    ['local', true, colima, 'local', 'Local Docker (Colima)'],
    ['local', false, colima, 'local', 'Local Docker (Colima)'],
  ] as const)('%s with server answering=%s, Docker %o → %s, labelled where code runs', (setting, reachable, local, where, label) => {
    expect(decide(setting, reachable, local)).toEqual({ where, label });
  });

  it('names the local engine plainly, whatever found it', () => {
    const label = (endpoint: string) =>
      decideRunLocation({ setting: 'local', serverReachable: false, local: { ok: true, endpoint }, serverHost });
    expect(label('the system Docker engine (unix:///var/run/docker.sock)')).toEqual({
      where: 'local',
      label: 'Local Docker (system Docker engine)',
    });
    expect(label('OrbStack (unix:///Users/ada/.orbstack/run/docker.sock)')).toEqual({ where: 'local', label: 'Local Docker (OrbStack)' });
    expect(label('Docker Desktop (npipe:////./pipe/docker_engine)')).toEqual({ where: 'local', label: 'Local Docker (Docker Desktop)' });
    expect(label('DOCKER_HOST (tcp://10.0.0.5:2375)')).toEqual({ where: 'local', label: 'Local Docker (DOCKER_HOST)' });
  });

  it('Auto with neither the server nor Docker says why and what to do', () => {
    const decision = decide('auto', false, noDocker);
    expect(decision).toMatchObject({ where: 'none' });
    if (decision.where !== 'none') return;
    expect(decision.message).toMatch(/tandem\.example\.com\) is not answering/);
    expect(decision.message).toMatch(/no Docker engine is running on this computer/);
    expect(decision.message).toContain(noDocker.reason);
    expect(decision.whatToDo).toMatch(/^Start Docker Desktop, Colima, OrbStack or Rancher Desktop.*or connect to the server\.$/);
  });

  it('Cloud with the server unreachable offers the local engine when there is one', () => {
    const withDocker = decide('cloud', false, colima);
    expect(withDocker).toMatchObject({ where: 'none', message: 'Code runs on the server (tandem.example.com), which is not answering.' });
    expect(withDocker.where === 'none' && withDocker.whatToDo).toMatch(
      /switch "Where code runs" to Local or Auto to use Local Docker \(Colima\)/,
    );
    const withoutDocker = decide('cloud', false, noDocker);
    expect(withoutDocker.where === 'none' && withoutDocker.whatToDo).toMatch(/Check your connection and the server address/);
  });

  it('Local without Docker says to start an engine, and offers the cloud when the server answers', () => {
    const offline = decide('local', false, noDocker);
    expect(offline).toMatchObject({ where: 'none', message: expect.stringContaining('no Docker engine is answering') });
    expect(offline.where === 'none' && offline.whatToDo).toMatch(/^Start Docker Desktop.*then try again\.$/);
    const online = decide('local', true, noDocker);
    expect(online.where === 'none' && online.whatToDo).toMatch(/switch "Where code runs" to Cloud or Auto/);
  });

  it('still reads well before a server is chosen', () => {
    expect(decideRunLocation({ setting: 'auto', serverReachable: false, local: noDocker, serverHost: '' })).toMatchObject({
      where: 'none',
      message: expect.stringMatching(/^Code cannot run anywhere right now: the server is not answering/),
    });
  });
});
