import { describe, expect, it } from 'vitest';
import { DeepLink } from '../../shared/protocol/ipc.js';
import { deepLinkFromArgv, parseDeepLink } from './deep-links.js';

const TOKEN = 'k3J9_x-QpV2mZ8aB4cD6eF0gH1iJ5kL7mN9oP2qR4sT';
const PROJECT = '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';

describe('parseDeepLink', () => {
  it.each([
    `tandem://invite/${TOKEN}`,
    `tandem://invite/${TOKEN}/`,
    `tandem:invite/${TOKEN}`,
    `tandem:invite/${TOKEN}/`,
    `tandem:/invite/${TOKEN}`,
    `TANDEM://Invite/${TOKEN}`,
    `  tandem://invite/${TOKEN}\n`,
  ])('reads the invite in %j, keeping the token exactly', (url) => {
    expect(parseDeepLink(url)).toEqual({ ok: true, link: { kind: 'invite', token: TOKEN } });
  });

  it.each([`tandem://open/${PROJECT}`, `tandem://open/${PROJECT}/`, `tandem:open/${PROJECT}`, `tandem://OPEN/${PROJECT.toUpperCase()}`])(
    'reads the project in %j',
    (url) => {
      expect(parseDeepLink(url)).toEqual({ ok: true, link: { kind: 'open', projectId: PROJECT } });
    },
  );

  it.each([
    ['', /is not a Tandem link/],
    ['https://tandem.example.com/invite/abc', /is not a Tandem link/],
    ['tandemx://invite/abc', /is not a Tandem link/],
    ['javascript:alert(1)', /is not a Tandem link/],
    ['tandem://settings/reset', /does not know what to do/],
    ['tandem://', /does not know what to do/],
    ['tandem:///invite/abc', /extra parts/],
    ['tandem://invite', /no invite code/],
    ['tandem://invite/', /no invite code/],
    ['tandem://invite/abc//', /extra parts/],
    ['tandem://invite/abc/def', /extra parts/],
    ['tandem://invite/abc?next=https://evil.example', /extra parts/],
    ['tandem://invite/abc#x', /extra parts/],
    ['tandem://invite/ab%2Fcd', /damaged/],
    ['tandem://invite/<script>', /damaged/],
    ['tandem://open/', /names no project/],
    ['tandem://open/123', /project id is not valid/],
    ['tandem://open/../../etc/passwd', /extra parts/],
  ])('refuses %j with a plain message', (url, message) => {
    const result = parseDeepLink(url);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('refuses tokens longer than the server accepts, and links too long to be ours', () => {
    expect(parseDeepLink(`tandem://invite/${'a'.repeat(100)}`).ok).toBe(true);
    expect(parseDeepLink(`tandem://invite/${'a'.repeat(101)}`)).toMatchObject({ ok: false, message: expect.stringMatching(/damaged/) });
    expect(parseDeepLink(`tandem://invite/${'a'.repeat(600)}`)).toMatchObject({ ok: false, message: expect.stringMatching(/too long/) });
  });

  it('produces only links the deep-link event schema accepts, so the renderer never gets one it refuses', () => {
    for (const url of [
      `tandem://invite/${TOKEN}`,
      `tandem:open/${PROJECT.toUpperCase()}/`,
      'tandem://open/00000000-0000-0000-0000-000000000000',
    ]) {
      const result = parseDeepLink(url);
      expect(result.ok && DeepLink.safeParse(result.link).success, url).toBe(true);
    }
    // Not a real uuid (version and variant digits), which the server would refuse as a project id.
    expect(parseDeepLink('tandem://open/3f2b8c1e-4d5a-0b6c-0d7e-9f0a1b2c3d4e').ok).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    for (const input of [undefined, null, 42, {}, [], 'tandem:%', 'tandem://\u0000', '\ud800'] as unknown as string[]) {
      expect(() => parseDeepLink(input)).not.toThrow();
      expect(parseDeepLink(input).ok).toBe(false);
    }
  });

  it('keeps long hostile input out of the message', () => {
    const result = parseDeepLink(`https://${'x'.repeat(400)}`);
    expect(!result.ok && result.message.length).toBeLessThan(250);
  });
});

describe('deepLinkFromArgv', () => {
  it('finds the link among Chromium switches (Windows and Linux pass it as an argument)', () => {
    const argv = [
      'C:\\Program Files\\Tandem\\Tandem.exe',
      '--allow-file-access-from-files',
      '--original-process-start-time=13350000000000000',
      `tandem://invite/${TOKEN}/`,
    ];
    expect(deepLinkFromArgv(argv)).toBe(`tandem://invite/${TOKEN}/`);
  });

  it('finds the link after `--` and in the tandem: form', () => {
    expect(deepLinkFromArgv(['/opt/Tandem/tandem', '--no-sandbox', '--', `tandem:open/${PROJECT}`])).toBe(`tandem:open/${PROJECT}`);
  });

  it('ignores a switch whose value merely contains a link, and answers undefined without one', () => {
    expect(deepLinkFromArgv(['/opt/Tandem/tandem', `--referrer=tandem://invite/${TOKEN}`])).toBeUndefined();
    expect(deepLinkFromArgv(['/opt/Tandem/tandem', '.'])).toBeUndefined();
    expect(deepLinkFromArgv([])).toBeUndefined();
  });
});
