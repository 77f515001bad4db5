import { useEffect, useRef } from 'react';

export interface WorkspaceKeys {
  run(): void;
  quickOpen(): void;
  toggleTerminal(): void;
}

/**
 * The workspace's shortcuts, caught before the editor sees them (capture phase), so they work wherever
 * focus is: Ctrl/Cmd+Enter runs, Ctrl/Cmd+P opens a file, Ctrl+` toggles the terminal.
 */
export function useWorkspaceKeys(keys: WorkspaceKeys): void {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      let action: (() => void) | null = null;
      if (mod && !event.shiftKey && !event.altKey && event.key === 'Enter') action = latest.current.run;
      else if (mod && !event.shiftKey && !event.altKey && event.key.toLowerCase() === 'p') action = latest.current.quickOpen;
      else if (event.ctrlKey && (event.key === '`' || event.code === 'Backquote')) action = latest.current.toggleTerminal;
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      action();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
