import { describe, expect, it } from 'vitest';
import { debianMirror } from './apt-mirror.js';

describe('debianMirror', () => {
  it('reads deb822 sources, skipping the security archive and disabled stanzas', () => {
    const content = [
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nEnabled: no',
      'Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\nComponents: main',
      'Types: deb deb-src\nURIs: https://deb.example.org/debian\nSuites: bookworm bookworm-updates\nComponents: main',
    ].join('\n\n');
    expect(debianMirror([{ path: '/etc/apt/sources.list.d/debian.sources', content }])).toBe('https://deb.example.org/debian');
  });

  it('reads one-line sources with options', () => {
    const content =
      '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://ftp.example.net/debian bookworm main\ndeb http://ftp.example.net/debian-security bookworm-security main\n';
    expect(debianMirror([{ path: '/etc/apt/sources.list', content }])).toBe('http://ftp.example.net/debian');
  });

  it('finds nothing for another release', () => {
    expect(debianMirror([{ path: '/etc/apt/sources.list', content: 'deb http://x.example/debian bullseye main' }])).toBeUndefined();
  });
});
