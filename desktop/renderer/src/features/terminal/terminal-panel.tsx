import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { MeResponse } from '../../../../../shared/protocol/auth.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import type { LanguageId, RunFile } from '../../../../../shared/protocol/runs.js';
import { CreateTerminalResponse, ProjectTerminalsResponse, type ProjectTerminal } from '../../../../../shared/protocol/terminals.js';
import { ApiError, type ApiClient } from '../../services/api-client.js';
import { LocalTerminalConnection } from '../../services/local-terminal-connection.js';
import {
  TerminalConnection,
  type TerminalConnectionEvents,
  type TerminalConnectionState,
  type TerminalExit,
  type TerminalLink,
} from '../../services/terminal-connection.js';
import { closeLabel, describeTerminalExit, tabLabel, tabTitle, terminalLanguageFor, type TerminalTab } from './terminal-tabs.js';
import { TerminalScreen } from './terminal-screen.js';
import './terminal-panel.css';

export interface TerminalPanelProps {
  api: ApiClient;
  projectId: string;
  /** New terminals start with the project's files, in this file's language (bash otherwise). */
  activePath: string | null;
  /**
   * Editors and owners type in the project's cloud terminals and open new ones; viewers watch. Terminals on this
   * computer are private and touch nothing shared, so anyone who may open the project may open and type in them.
   */
  canType: boolean;
  /** Where new terminals run, e.g. "Cloud (server)" or "Local Docker (Colima)". */
  location: string;
  /**
   * The desktop app with code running on this computer: new terminals are private shells on its Docker engine,
   * with this device's copies of the files (no server needed). Collaborators' cloud terminals still show.
   */
  local?: LocalTerminals;
  /** New terminals cannot be opened anywhere right now: why, and what to do (the button is disabled). */
  cannotOpenReason?: string;
  /** The panel is shown: terminals fit themselves and the list of open terminals is kept fresh. */
  visible: boolean;
  /**
   * Each new non-zero value (also the one the panel mounts with) moves the keyboard focus into the selected
   * terminal: bump it when Ctrl+` shows the panel. A request made while the panel is hidden, or when the
   * project turns out to have no terminal, lapses.
   */
  focusRequest?: number;
  /** How many terminals on this computer are live (starting or running): leaving the project would end them. */
  onLocalLive?: ((live: number) => void) | undefined;
}

export interface LocalTerminals {
  /** The engine, e.g. "Local Docker (Colima)". */
  label: string;
  /** ws://127.0.0.1:PORT/terminals?token=…, asked of the main process for each new terminal. */
  terminalUrl(): Promise<string>;
  /** The project's files from this device's own copies. */
  readFiles(): Promise<RunFile[]>;
}

interface TabStatus {
  state: TerminalConnectionState;
  detail?: string;
  exit?: TerminalExit;
  /** The server refused this client's typing (a role lowered while attached). */
  readOnly?: boolean;
  notice?: string;
  /** What a terminal on this computer is doing before its shell runs (building an image). */
  progress?: string;
}

/** A private terminal on this computer: it lives as long as its tab (closing the tab ends the shell). */
interface LocalTab extends TerminalTab {
  where: 'local';
  link(events: TerminalConnectionEvents): TerminalLink;
}
type PanelTab = (TerminalTab & { where: 'cloud' }) | LocalTab;

const REFRESH_MS = 4000;
/** A notice (input dropped, a refusal the shell outlived) stays this long, or until the terminal's state changes. */
const NOTICE_MS = 5000;

const isOver = (state: TerminalConnectionState | undefined) => state === 'ended' || state === 'gone' || state === 'failed';

function plainError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  // The server's messages name API routes for API clients; a person has the tab's close button instead.
  const message = error.message.replace(/\s*\((?:POST|GET|DELETE) \/api\/[^)]*\)/g, '');
  if (error.code === 'unavailable')
    return `${message} Try again in a minute; if it keeps happening, the server’s admin needs to check Docker.`;
  if (error.code === 'rate_limited') return `${message.replace(/\.?$/, '.')} Close one of your terminals (×), then open a new one.`;
  return message;
}

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * The project's terminals as tabs: mine and collaborators', shared live (pair programming), and in the desktop
 * app the private ones on this computer.
 */
export function TerminalPanel(props: TerminalPanelProps) {
  const { api, projectId, activePath, canType, location, local, cannotOpenReason, visible, focusRequest, onLocalLive } = props;
  const [me, setMe] = useState<string | null>(null);
  const [listed, setListed] = useState<ProjectTerminal[] | null>(null);
  /** Every terminal this panel has heard of: an attached tab stays (to say how it ended) after the list drops it. */
  const [seen, setSeen] = useState<ReadonlyMap<string, ProjectTerminal>>(() => new Map());
  /** Collaborators' terminals this person closed: not shown again until asked for. */
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(() => new Set());
  /** Tabs that have been shown: their screens stay mounted and attached. */
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set());
  const [statuses, setStatuses] = useState<Record<string, TabStatus>>({});
  /** Terminals on this computer, oldest first: never listed to collaborators. */
  const [localTabs, setLocalTabs] = useState<LocalTab[]>([]);
  const localCount = useRef(0);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  /** Focus requests (tab picked, terminal opened, the workspace's focusRequest) and the last one acted on. */
  const [focusNonce, setFocusNonce] = useState(0);
  const [focusedNonce, setFocusedNonce] = useState(0);
  const [seenFocusRequest, setSeenFocusRequest] = useState<number | undefined>(undefined);
  if (focusRequest !== seenFocusRequest) {
    setSeenFocusRequest(focusRequest);
    if (focusRequest) setFocusNonce((n) => n + 1);
  }
  const createdHere = useRef(new Set<string>());
  /** Terminals this client ended: a list fetched just before the end must not bring them back. */
  const [closed, setClosed] = useState<ReadonlySet<string>>(() => new Set());

  useEffect(() => {
    let live = true;
    api.request('GET', routes.me.path, { response: MeResponse }).then(
      (answer) => live && setMe(answer.user.id),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  const remember = (terminals: ProjectTerminal[]) =>
    setSeen((current) => {
      const next = new Map(current);
      for (const terminal of terminals) next.set(terminal.terminalId, terminal);
      return next;
    });

  const refresh = useCallback(async () => {
    try {
      const answer = await api.request('GET', routes.listProjectTerminals.path.replace(':id', encodeURIComponent(projectId)), {
        response: ProjectTerminalsResponse,
      });
      setListed(answer.terminals);
      remember(answer.terminals);
      setListError(null);
      return answer.terminals;
    } catch (failure) {
      setListError(plainError(failure));
      return undefined;
    }
  }, [api, projectId]);

  useEffect(() => {
    if (!visible) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await refresh();
      if (live) timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [refresh, visible]);

  const isMine = useCallback(
    (terminal: ProjectTerminal) => terminal.owner.userId === me || createdHere.current.has(terminal.terminalId),
    [me],
  );

  const tabs = useMemo((): PanelTab[] => {
    const fromServer = (listed ?? []).filter((terminal) => !dismissed.has(terminal.terminalId) && !closed.has(terminal.terminalId));
    const ids = new Set(fromServer.map((terminal) => terminal.terminalId));
    const attached = [...opened]
      .filter((id) => !ids.has(id) && !dismissed.has(id))
      .map((id) => seen.get(id))
      .filter((terminal) => terminal !== undefined);
    const cloud = [...fromServer, ...attached].map((terminal): PanelTab => ({
      id: terminal.terminalId,
      where: 'cloud',
      mine: isMine(terminal),
      owner: terminal.owner.username,
      language: terminal.language,
      entry: terminal.entry,
      createdAt: terminal.createdAt,
    }));
    return [...cloud, ...localTabs];
  }, [listed, seen, opened, dismissed, closed, isMine, localTabs]);
  const hiddenCount = (listed ?? []).filter((terminal) => dismissed.has(terminal.terminalId)).length;
  /** The list of the project's terminals is not in (offline, or the server is slow) but terminals here need none of it. */
  const listPending = listed === null && !listError;

  // Something is always selected while there are tabs: the first of mine, else the first.
  const selected = tabs.find((tab) => tab.id === activeId) ?? tabs.find((tab) => tab.mine) ?? tabs[0] ?? null;
  const selectedId = selected?.id ?? null;
  if (selectedId !== null && !opened.has(selectedId)) setOpened(new Set(opened).add(selectedId));
  // A request made while hidden, or with no terminal to take it, must not take the keys later.
  const focusPending = focusNonce > focusedNonce;
  if (focusPending && (!visible || ((!listPending || local) && tabs.length === 0))) setFocusedNonce(focusNonce);

  const forget = (id: string) => {
    clearTimeout(noticeTimers.current.get(id));
    noticeTimers.current.delete(id);
    setOpened((current) => {
      const next = new Set(current);
      next.delete(id);
      return next;
    });
    setStatuses((current) => {
      const { [id]: _gone, ...rest } = current;
      return rest;
    });
    // Unmounting its screen closes the socket, which ends a local terminal's shell.
    setLocalTabs((current) => current.filter((tab) => tab.id !== id));
  };

  const select = (id: string) => {
    setActiveId(id);
    setFocusNonce((n) => n + 1);
  };

  const show = (id: string) => {
    setOpened((current) => new Set(current).add(id));
    setActiveId(id);
    setFocusNonce((n) => n + 1);
  };

  const createCloud = async () => {
    setCreating(true);
    setError(null);
    try {
      const { terminalId } = await api.request(routes.createTerminal.method, routes.createTerminal.path, {
        body: { projectId, ...(activePath ? { entry: activePath } : {}), ...currentSize() },
        response: CreateTerminalResponse,
      });
      createdHere.current.add(terminalId);
      const fresh = (await refresh())?.find((terminal) => terminal.terminalId === terminalId);
      remember([
        fresh ?? {
          terminalId,
          owner: { userId: me ?? '', username: 'you' },
          language: 'bash',
          entry: activePath,
          createdAt: new Date().toISOString(),
          attached: 0,
        },
      ]);
      show(terminalId);
    } catch (failure) {
      setError(plainError(failure));
    } finally {
      setCreating(false);
    }
  };

  /** A private shell on this computer's Docker engine: its screen connects, reads the files and reports progress. */
  const createLocal = (source: LocalTerminals) => {
    setError(null);
    localCount.current += 1;
    const id = `local-${localCount.current}`;
    const entry = activePath ?? undefined;
    const language = terminalLanguageFor(entry);
    const tab: LocalTab = {
      id,
      where: 'local',
      mine: true,
      owner: 'you',
      language,
      entry: entry ?? null,
      createdAt: new Date().toISOString(),
      engine: source.label,
      link: (events) =>
        new LocalTerminalConnection(
          { url: source.terminalUrl, files: source.readFiles, language, ...(entry ? { entry } : {}) },
          { ...events, progress: (message) => onProgress(id, message), opened: (started) => onOpened(id, started) },
        ),
    };
    setLocalTabs((current) => [...current, tab]);
    show(id);
  };

  const create = () => {
    if (cannotOpenReason) return;
    if (local) createLocal(local);
    else void createCloud();
  };

  const close = async (tab: PanelTab) => {
    const id = tab.id;
    const over = isOver(statuses[id]?.state);
    if (tab.where === 'local') {
      // Its screen unmounts and closes the socket: the shell ends with it.
    } else if (!over && tab.mine) {
      try {
        await api.request(routes.deleteTerminal.method, routes.deleteTerminal.path.replace(':id', encodeURIComponent(id)));
      } catch (failure) {
        // Already gone is what closing wanted.
        if (!(failure instanceof ApiError && failure.status === 404)) {
          setError(plainError(failure));
          return;
        }
      }
      setClosed((current) => new Set(current).add(id));
    } else if (!over) {
      // Someone else's: it goes on for them; this client only stops watching.
      setDismissed((current) => new Set(current).add(id));
    }
    forget(id);
  };

  /** Each tab's notice lapses on its own timer; a newer notice restarts it. */
  const noticeTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const timers = noticeTimers.current;
    return () => timers.forEach((timer) => clearTimeout(timer));
  }, []);
  const clearNotice = useCallback((id: string) => {
    clearTimeout(noticeTimers.current.get(id));
    noticeTimers.current.delete(id);
    setStatuses((current) => {
      const status = current[id];
      if (!status?.notice) return current;
      const { notice: _lapsed, ...rest } = status;
      return { ...current, [id]: rest };
    });
  }, []);
  const onState = useCallback(
    (id: string, state: TerminalConnectionState, detail?: string) => {
      clearNotice(id);
      setStatuses((current) => ({ ...current, [id]: { ...current[id], state, detail } }));
    },
    [clearNotice],
  );
  const onExit = useCallback(
    (id: string, exit: TerminalExit) => {
      clearNotice(id);
      setStatuses((current) => ({ ...current, [id]: { ...current[id], state: 'ended', exit } }));
    },
    [clearNotice],
  );
  const onError = useCallback(
    (id: string, code: string, message: string) => {
      if (code === 'forbidden') {
        setStatuses((current) => ({ ...current, [id]: { state: 'open', ...current[id], readOnly: true } }));
        return;
      }
      setStatuses((current) => ({ ...current, [id]: { state: 'open', ...current[id], notice: message } }));
      clearTimeout(noticeTimers.current.get(id));
      noticeTimers.current.set(
        id,
        setTimeout(() => clearNotice(id), NOTICE_MS),
      );
    },
    [clearNotice],
  );
  const onProgress = (id: string, progress: string) => {
    setStatuses((current) => ({ ...current, [id]: { state: 'connecting', ...current[id], progress } }));
  };
  const onOpened = (id: string, language: LanguageId) => {
    setLocalTabs((current) => current.map((tab) => (tab.id === id ? { ...tab, language } : tab)));
  };

  // Leaving the project ends these shells: the workspace asks before a deep link or a server change does that.
  const liveLocal = localTabs.filter((tab) => !isOver(statuses[tab.id]?.state)).length;
  const reportLive = useRef(onLocalLive);
  reportLive.current = onLocalLive;
  useEffect(() => reportLive.current?.(liveLocal), [liveLocal]);
  useEffect(() => () => reportLive.current?.(0), []);

  const sizeRef = useRef<HTMLDivElement>(null);
  // A rough first size from the box; the new screen fits itself exactly once it is shown.
  const currentSize = () => {
    const box = sizeRef.current;
    if (!box || box.clientWidth === 0 || box.clientHeight === 0) return {};
    return {
      cols: Math.max(20, Math.min(400, Math.floor((box.clientWidth - 12) / 7.8))),
      rows: Math.max(5, Math.min(200, Math.floor((box.clientHeight - 8) / 17))),
    };
  };

  const cloudLink = (id: string) => (events: TerminalConnectionEvents) => new TerminalConnection(api, id, events);

  /** New terminals go to this computer (private: anyone may open one) or to the server (editors and owners). */
  const mayOpen = local !== undefined || canType;
  /** A terminal on this computer is its opener's own; the project's cloud terminals take the project role. */
  const typesIn = (tab: PanelTab) => (tab.where === 'local' || canType) && statuses[tab.id]?.readOnly !== true;
  const status = selectedId === null ? undefined : statuses[selectedId];
  const readOnly = selected !== null && !typesIn(selected);
  const banner = (() => {
    if (!status || !selected) return null;
    if (status.exit)
      return {
        tone: 'ended',
        text: `${describeTerminalExit(status.exit, selected.where)}${mayOpen ? ' Open a new one with New terminal.' : ''}`,
      };
    if (status.state === 'gone' || status.state === 'failed') return { tone: 'ended', text: status.detail ?? 'This terminal has ended.' };
    if (status.state === 'reconnecting') return { tone: 'warn', text: 'Connection lost: reconnecting…' };
    if (status.state === 'connecting' && status.progress) return { tone: 'info', text: status.progress };
    if (status.state === 'connecting')
      return { tone: 'info', text: selected.where === 'local' ? 'Starting a terminal on this computer…' : 'Connecting…' };
    if (status.notice) return { tone: 'warn', text: status.notice };
    return null;
  })();

  const canOpen = mayOpen && !cannotOpenReason;
  const newTitle = !mayOpen
    ? 'Viewers cannot open terminals'
    : cannotOpenReason
      ? cannotOpenReason
      : `New terminal ${local ? `on this computer (${local.label}), private to you, with this device’s copy of` : 'with'} the project’s files${
          activePath ? `, in ${basename(activePath)}’s language` : ''
        }`;

  return (
    <section className="terminal-panel" aria-label="Terminals">
      <div className="terminal-panel__bar">
        <div className="terminal-panel__tabs" role="tablist" aria-label="Open terminals">
          {tabs.map((tab) => {
            const tabState = statuses[tab.id]?.state;
            const ended = isOver(tabState);
            const closeText = closeLabel(tab, ended);
            return (
              <div
                key={tab.id}
                className={`terminal-panel__tab${tab.id === selectedId ? ' is-active' : ''}${ended ? ' is-ended' : ''}`}
                data-testid="terminal-tab"
                data-terminal-id={tab.id}
                data-mine={tab.mine}
                data-location={tab.where}
              >
                <button
                  type="button"
                  role="tab"
                  aria-selected={tab.id === selectedId}
                  className="terminal-panel__tab-label"
                  onClick={() => select(tab.id)}
                  title={tabTitle(tab)}
                >
                  {tabState === 'reconnecting' && <span className="terminal-panel__dot is-warn" aria-label="reconnecting" />}
                  {ended && <span className="terminal-panel__dot is-ended" aria-label="ended" />}
                  {tabLabel(tab)}
                  {tab.entry ? <span className="terminal-panel__entry"> {basename(tab.entry)}</span> : null}
                </button>
                <button
                  type="button"
                  className="terminal-panel__tab-close"
                  aria-label={closeText}
                  title={closeText}
                  onClick={() => void close(tab)}
                >
                  ×
                </button>
              </div>
            );
          })}
          {hiddenCount > 0 && (
            <button
              type="button"
              className="btn small"
              onClick={() => setDismissed(new Set())}
              title="Show collaborators’ terminals you closed"
            >
              Show {hiddenCount} hidden
            </button>
          )}
        </div>
        <button
          type="button"
          className="btn small"
          data-testid="new-terminal"
          onClick={create}
          disabled={!canOpen || creating}
          title={newTitle}
        >
          {creating ? 'Opening…' : '+ New terminal'}
        </button>
        <span className="terminal-panel__location" title="Where new terminals run" data-testid="terminal-location">
          Runs on: {location}
        </span>
      </div>
      {readOnly && (
        <p className="terminal-panel__note" role="note">
          {local || localTabs.length > 0
            ? 'Read-only: you are a viewer. You can watch this project’s shared terminals but not type in them; terminals you open on this computer are yours to type in.'
            : 'Read-only: you are a viewer. You can watch this project’s terminals but not type in them.'}
        </p>
      )}
      {mayOpen && cannotOpenReason && (
        <p className="terminal-panel__note" role="note" data-testid="terminal-unavailable">
          {cannotOpenReason}
        </p>
      )}
      {error && (
        <p className="terminal-panel__error" role="alert">
          {error}
          <button type="button" className="btn small" onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </p>
      )}
      {local && listError && (
        <p className="terminal-panel__quiet" role="status" title={listError}>
          Collaborators’ terminals cannot be listed right now: {listError}
        </p>
      )}
      {banner && (
        <p className={`terminal-panel__banner is-${banner.tone}`} role="status">
          {banner.text}
        </p>
      )}
      <div className="terminal-panel__screens" ref={sizeRef}>
        {tabs.length === 0 && (
          <div className="terminal-panel__empty">
            {!local && listPending ? (
              'Loading terminals…'
            ) : !local && listError ? (
              listError
            ) : mayOpen ? (
              <>
                {local
                  ? `No terminal is open. A new one runs on this computer (${local.label}) with this device’s copy of the files.`
                  : 'No terminal is open in this project.'}{' '}
                <button type="button" className="btn primary small" onClick={create} disabled={!canOpen || creating}>
                  Open one
                </button>
              </>
            ) : (
              'No terminal is open in this project. Editors and owners can open one; you will see it here.'
            )}
          </div>
        )}
        {tabs
          .filter((tab) => opened.has(tab.id))
          .map((tab) => (
            <TerminalScreen
              key={tab.id}
              terminalId={tab.id}
              link={tab.where === 'local' ? tab.link : cloudLink(tab.id)}
              canType={typesIn(tab)}
              drivesSize={tab.mine}
              active={visible && tab.id === selectedId}
              onState={onState}
              onExit={onExit}
              onError={onError}
              focusNonce={focusPending && tab.id === selectedId ? focusNonce : 0}
              onFocused={setFocusedNonce}
            />
          ))}
      </div>
    </section>
  );
}
