import { describe, expect, it } from 'vitest';
import { closeLabel, describeTerminalExit, tabLabel, tabTitle, terminalLanguageFor, type TerminalTab } from './terminal-tabs.js';

const createdAt = '2025-01-02T10:05:00.000Z';
const local: TerminalTab = {
  id: 'local-1',
  where: 'local',
  mine: true,
  owner: 'you',
  language: 'python',
  entry: 'src/main.py',
  createdAt,
  engine: 'Local Docker (Colima)',
};
const mine: TerminalTab = { id: 't1', where: 'cloud', mine: true, owner: 'ada', language: 'bash', entry: null, createdAt };
const theirs: TerminalTab = { ...mine, id: 't2', mine: false, owner: 'grace', language: 'go', entry: 'cmd/app.go' };

describe('a new terminal’s language', () => {
  it('is the active file’s when Tandem runs it, else bash (as the server and the main process choose)', () => {
    expect(terminalLanguageFor('src/main.py')).toBe('python');
    expect(terminalLanguageFor('web/app.mjs')).toBe('javascript');
    expect(terminalLanguageFor('lib/x.hpp')).toBe('cpp');
    expect(terminalLanguageFor('run.sh')).toBe('bash');
    // Languages the editor knows but Tandem does not run.
    expect(terminalLanguageFor('README.md')).toBe('bash');
    expect(terminalLanguageFor('app.ts')).toBe('bash');
    expect(terminalLanguageFor('Makefile')).toBe('bash');
    expect(terminalLanguageFor(null)).toBe('bash');
    expect(terminalLanguageFor(undefined)).toBe('bash');
  });
});

describe('terminal tabs', () => {
  it('label a terminal on this computer as such, and the project’s by whose it is', () => {
    expect(tabLabel(local)).toBe('This computer · python');
    expect(tabLabel(mine)).toBe('You · bash');
    expect(tabLabel(theirs)).toBe('grace · go');
  });

  it('say in the title where each runs and who sees it', () => {
    expect(tabTitle(local)).toMatch(
      /^Runs on this computer \(Local Docker \(Colima\)\), opened at .+ for src\/main\.py\. Only you see it; closing the tab ends its shell\.$/,
    );
    expect(tabTitle(mine)).toMatch(/^Runs on the Tandem server, opened by you at .+\. The project’s members see it\.$/);
    expect(tabTitle(theirs)).toMatch(/^Runs on the Tandem server, opened by grace at .+ for cmd\/app\.go\./);
  });

  it('say what closing does: ending my shell, or only no longer watching someone else’s', () => {
    expect(closeLabel(local, false)).toBe('Close terminal (ends the shell)');
    expect(closeLabel(mine, false)).toBe('Close terminal (ends the shell)');
    expect(closeLabel(theirs, false)).toBe('Stop watching this terminal');
    expect(closeLabel(theirs, true)).toBe('Close this tab');
  });

  it('explain an end by where the terminal ran', () => {
    expect(describeTerminalExit({ type: 'exit', exitCode: 3, reason: 'exited' }, 'local')).toBe(
      'Terminal ended: the shell exited with code 3.',
    );
    expect(describeTerminalExit({ type: 'exit', exitCode: null, reason: 'exited' }, 'cloud')).toBe('Terminal ended: the shell exited.');
    expect(describeTerminalExit({ type: 'exit', exitCode: null, reason: 'shutdown' }, 'cloud')).toBe(
      'Terminal ended: the server restarted.',
    );
    expect(describeTerminalExit({ type: 'exit', exitCode: null, reason: 'shutdown' }, 'local')).not.toMatch(/server/);
    expect(describeTerminalExit({ type: 'exit', exitCode: null, reason: 'idle' }, 'local')).toMatch(/so Tandem closed it/);
  });
});
