import { languageForPath } from '../../../../../shared/protocol/files.js';
import { LanguageId } from '../../../../../shared/protocol/runs.js';
import type { TerminalExit } from '../../services/terminal-connection.js';

/** A tab of the terminal panel: a project terminal on the server (shared), or a private one on this computer. */
export interface TerminalTab {
  id: string;
  where: 'cloud' | 'local';
  /** Opened by this person (always, for a terminal on this computer). */
  mine: boolean;
  /** Who opened it, for a collaborator's terminal. */
  owner: string;
  language: string;
  /** The file it was opened for, if any. */
  entry: string | null;
  createdAt: string;
  /** For a terminal on this computer: the engine it runs on, e.g. "Local Docker (Colima)". */
  engine?: string;
}

/**
 * The language a new terminal opened for `entry` starts in, the rule the server and the main process apply:
 * the file's language if Tandem runs it, else bash.
 */
export function terminalLanguageFor(entry: string | null | undefined): LanguageId {
  if (!entry) return 'bash';
  return LanguageId.safeParse(languageForPath(entry)).data ?? 'bash';
}

/** The tab's label: whose it is for the project's shared terminals, "This computer" for a private local one. */
export function tabLabel(tab: TerminalTab): string {
  if (tab.where === 'local') return `This computer · ${tab.language}`;
  return `${tab.mine ? 'You' : tab.owner} · ${tab.language}`;
}

const shortTime = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Where the tab's terminal runs and who sees it: the tab's tooltip. */
export function tabTitle(tab: TerminalTab): string {
  const forEntry = tab.entry ? ` for ${tab.entry}` : '';
  if (tab.where === 'local') {
    return `Runs on this computer${tab.engine ? ` (${tab.engine})` : ''}, opened at ${shortTime(tab.createdAt)}${forEntry}. Only you see it; closing the tab ends its shell.`;
  }
  return `Runs on the Tandem server, opened by ${tab.mine ? 'you' : tab.owner} at ${shortTime(tab.createdAt)}${forEntry}. The project’s members see it.`;
}

/** What the tab's × does, in words. */
export function closeLabel(tab: TerminalTab, ended: boolean): string {
  if (ended) return 'Close this tab';
  return tab.mine ? 'Close terminal (ends the shell)' : 'Stop watching this terminal';
}

/** Why a terminal ended, in words. */
export function describeTerminalExit(exit: TerminalExit, where: TerminalTab['where']): string {
  switch (exit.reason) {
    case 'exited':
      return `Terminal ended: the shell exited${exit.exitCode === null ? '' : ` with code ${exit.exitCode}`}.`;
    case 'idle':
      return where === 'local'
        ? 'Terminal ended: idle for too long (nobody typed in it), so Tandem closed it.'
        : 'Terminal ended: idle for too long (nobody typed in it), so the server closed it.';
    case 'deleted':
      return where === 'local'
        ? 'Terminal ended: Tandem closed it.'
        : 'Terminal ended: it was closed by whoever opened it, or by a project owner.';
    case 'shutdown':
      return where === 'local'
        ? 'Terminal ended: Tandem stopped the terminals on this computer (it was quitting).'
        : 'Terminal ended: the server restarted.';
  }
}
