import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import type { TerminalConnectionEvents, TerminalConnectionState, TerminalExit, TerminalLink } from '../../services/terminal-connection.js';

export interface TerminalScreenProps {
  terminalId: string;
  /**
   * Makes the connection this screen drives (a cloud terminal, or one on this computer), reporting to `events`.
   * Called once, when the screen mounts.
   */
  link(events: TerminalConnectionEvents): TerminalLink;
  /** Keys go to the shell (the panel decides: a cloud terminal's editors and owners, anyone in one on this computer); else xterm ignores them. */
  canType: boolean;
  /** Whether this terminal's size is the shell's: only its opener's screen resizes the shared shell. */
  drivesSize: boolean;
  /** Shown and selected: fits itself to its box. */
  active: boolean;
  onState(terminalId: string, state: TerminalConnectionState, detail?: string): void;
  onExit(terminalId: string, exit: TerminalExit): void;
  onError(terminalId: string, code: string, message: string): void;
  /** A request to take the keyboard focus, when non-zero: acted on (once shown) and reported to onFocused. */
  focusNonce: number;
  onFocused(focusNonce: number): void;
}

const RESIZE_DEBOUNCE_MS = 100;
const FALLBACK_FONT = "'JetBrains Mono', 'Cascadia Code', Menlo, Consolas, monospace";

/** One xterm.js screen attached to one terminal; it stays attached (and keeps its scrollback) while hidden. */
export function TerminalScreen(props: TerminalScreenProps) {
  const { terminalId, canType, drivesSize, active, focusNonce } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const partsRef = useRef<{ term: Terminal; fit: FitAddon; connection: TerminalLink } | null>(null);
  const callbacks = useRef(props);
  callbacks.current = props;
  const activeRef = useRef(active);
  activeRef.current = active;
  const initial = useRef({ canType, drivesSize, link: props.link });

  useEffect(() => {
    const host = hostRef.current!;
    const term = new Terminal({
      disableStdin: !initial.current.canType,
      cursorBlink: initial.current.canType,
      fontFamily: getComputedStyle(host).getPropertyValue('--mono').trim() || FALLBACK_FONT,
      fontSize: 13,
      scrollback: 5000,
      allowProposedApi: false,
      theme: {
        background: '#1e1f22',
        foreground: '#dfe1e5',
        cursor: '#dfe1e5',
        cursorAccent: '#1e1f22',
        selectionBackground: '#4c8dff55',
      },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    const connection = initial.current.link({
      // Acknowledged once xterm has drawn it, so a shell is slowed to what this screen keeps up with.
      data: (bytes) => term.write(bytes, () => connection.written?.(bytes.byteLength)),
      reset: () => term.reset(),
      state: (state, detail) => callbacks.current.onState(terminalId, state, detail),
      exit: (exit) => {
        term.options.disableStdin = true;
        term.options.cursorBlink = false;
        callbacks.current.onExit(terminalId, exit);
      },
      error: (code, message) => callbacks.current.onError(terminalId, code, message),
    });
    connection.setSendsSize(initial.current.canType && initial.current.drivesSize);
    // Keys only: xterm also answers some escape sequences through onData, and those are input too.
    const typed = term.onData((data) => {
      if (!term.options.disableStdin) connection.input(data);
    });
    const resized = term.onResize(({ cols, rows }) => connection.resize(cols, rows));
    partsRef.current = { term, fit, connection };
    if (activeRef.current) fitNow();
    connection.resize(term.cols, term.rows);
    connection.connect();

    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => activeRef.current && fitNow(), RESIZE_DEBOUNCE_MS);
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
      typed.dispose();
      resized.dispose();
      connection.dispose();
      term.dispose();
      partsRef.current = null;
    };
  }, [terminalId]);

  useEffect(() => {
    const parts = partsRef.current;
    if (!parts) return;
    parts.term.options.disableStdin = !canType;
    parts.term.options.cursorBlink = canType;
    parts.connection.setSendsSize(canType && drivesSize);
  }, [canType, drivesSize]);

  useEffect(() => {
    if (!active) return;
    // After the browser has laid the newly shown box out.
    const frame = requestAnimationFrame(() => fitNow());
    return () => cancelAnimationFrame(frame);
  }, [active]);

  useEffect(() => {
    const parts = partsRef.current;
    if (focusNonce === 0 || !active || !parts) return;
    parts.term.focus();
    callbacks.current.onFocused(focusNonce);
  }, [focusNonce, active]);

  function fitNow(): void {
    const host = hostRef.current;
    const parts = partsRef.current;
    // A hidden box measures 0 × 0, which would squeeze the terminal to one column.
    if (!host || !parts || host.clientWidth === 0 || host.clientHeight === 0) return;
    parts.fit.fit();
  }

  return (
    <div
      ref={hostRef}
      className="terminal-screen"
      data-testid={active ? 'terminal-screen' : undefined}
      data-terminal-id={terminalId}
      hidden={!active}
    />
  );
}
