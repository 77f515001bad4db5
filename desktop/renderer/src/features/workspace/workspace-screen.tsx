import type { DocHandle } from '@automerge/automerge-repo/slim';
import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FileResponse, MovedFilesResponse, type FileDocument, type ProjectDocument } from '../../../../../shared/protocol/files.js';
import type { RunFile } from '../../../../../shared/protocol/runs.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useLeaveHold, useSignedIn } from '../../app-context.js';
import { ApiError, messageOf } from '../../services/api-client.js';
import { localTerminalsRunning } from '../../services/leave-guard.js';
import { PresenceChannel, type Collaborator } from '../../services/presence.js';
import { desktopRuns } from '../../platform/current-host.js';
import { navigate } from '../../router.js';
import { ErrorBoundary } from '../../ui/error-boundary.js';
import { LazyEditorPane } from '../editor/lazy-editor-pane.js';
import type { RemoteCursor, SelectionRange } from '../editor/types.js';
import { Explorer } from '../explorer/explorer.js';
import { QuickOpen } from '../quick-open/quick-open.js';
import { RunLocationPicker } from '../run/run-location-picker.js';
import { RunPanel } from '../run/run-panel.js';
import { localRunner, serverRunner } from '../run/runner.js';
import { ShareDialog } from '../share/share-dialog.js';
import { StatusBar } from './status-bar.js';
import { TopBar } from './top-bar.js';
import { useOpenFiles, type OrphanedFile } from './use-open-files.js';
import { useProject } from './use-project.js';
import { useProjectFiles } from './use-project-files.js';
import { useRunLocation } from './use-run-location.js';
import { useConnection } from './use-sync-status.js';
import { useWorkspaceKeys } from './use-workspace-keys.js';

// Memoised: presence and sync status change many times a second while people type; the panels need none of it.
const TerminalPanel = memo(lazy(() => import('../terminal/terminal-panel.js').then((module) => ({ default: module.TerminalPanel }))));
const MemoRunPanel = memo(RunPanel);
const MemoExplorer = memo(Explorer);

/** Where code runs on the web (and where terminals run), shown on every run and terminal. */
const RUN_LOCATION = 'Cloud (Tandem server)';

type Panel = 'run' | 'terminal';

/** How long a run waits for this device's edits to reach the server before it runs what the server has. */
const RUN_SYNC_WAIT_MS = 5000;

export function WorkspaceScreen({ projectId }: { projectId: string }) {
  const { api, sync, user } = useSignedIn();
  const filesPath = routes.listFiles.path.replace(':id', projectId);
  const project = useProject(projectId);
  const { known } = project;
  const [projectHandle, setProjectHandle] = useState<DocHandle<ProjectDocument> | null>(null);
  const [docError, setDocError] = useState<string | null>(null);
  const files = useProjectFiles(projectHandle);
  const paths = useMemo(() => Object.keys(files).sort(), [files]);
  const connection = useConnection(sync);
  const openFiles = useOpenFiles(sync, files, projectHandle !== null);
  const { activePath } = openFiles;
  const [presence, setPresence] = useState<PresenceChannel | null>(null);
  const [collaborators, setCollaborators] = useState<Collaborator[]>([]);
  const [following, setFollowing] = useState<string | null>(null);
  const [panel, setPanel] = useState<Panel | null>('run');
  const [runTrigger, setRunTrigger] = useState(0);
  // Once opened, terminals stay connected while the panel shows something else.
  const [terminalOpened, setTerminalOpened] = useState(false);
  useEffect(() => {
    if (panel === 'terminal') setTerminalOpened(true);
  }, [panel]);
  // Focus moves to the editor or the terminal only when the person asked for it (never on follow or rename).
  // Editor requests must never repeat in a window's life (the pane remembers the last across mounts).
  const [editorFocus, setEditorFocus] = useState(0);
  const [terminalFocus, setTerminalFocus] = useState(0);
  const [quickOpen, setQuickOpen] = useState(false);
  const [sharing, setSharing] = useState(false);
  // Terminals on this computer end with this screen: a deep link or a server change asks before leaving it.
  const [liveLocalTerminals, setLiveLocalTerminals] = useState(0);
  useLeaveHold(liveLocalTerminals > 0 ? localTerminalsRunning(liveLocalTerminals) : undefined);

  const projectDocUrl = known?.projectDocUrl;
  useEffect(() => {
    if (!projectDocUrl) return;
    let cancelled = false;
    sync.find<ProjectDocument>(projectDocUrl).then(
      (handle) => !cancelled && setProjectHandle(handle),
      (failure: unknown) => !cancelled && setDocError(`The project's files could not be opened: ${messageOf(failure)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [sync, projectDocUrl]);

  useEffect(() => {
    if (!projectHandle) return;
    const channel = new PresenceChannel(projectHandle, user);
    setPresence(channel);
    const unsubscribe = channel.subscribe(setCollaborators);
    return () => {
      unsubscribe();
      channel.close();
    };
  }, [projectHandle, user]);

  // My selections per file, so switching back and forth tells others where I am at once.
  const mySelections = useRef(new Map<string, SelectionRange[]>());
  useEffect(() => {
    presence?.update(activePath, activePath ? (mySelections.current.get(activePath) ?? []) : []);
  }, [presence, activePath]);

  /** Opening a file by hand ends following someone. */
  const { open } = openFiles;
  const openByHand = useCallback(
    (path: string) => {
      setFollowing(null);
      open(path);
      setEditorFocus(Date.now());
    },
    [open],
  );

  // Following someone: go where they go.
  const followed = collaborators.find((person) => person.clientId === following) ?? null;
  useEffect(() => {
    if (following && !followed) setFollowing(null);
    if (followed?.path && followed.path !== activePath && files[followed.path]) open(followed.path);
  }, [followed, following, activePath, files, open]);

  // A run takes the server's copy of the files: edits typed a moment ago must be there first.
  const waitForEdits = useCallback(async () => {
    await Promise.all(Object.values(files).map((file) => sync.whenSynced(file.docUrl, RUN_SYNC_WAIT_MS)));
  }, [files, sync]);

  // The desktop app may run code on this computer's Docker engine instead; the main process decides where.
  const [desktop] = useState(desktopRuns);
  const [locationVersion, setLocationVersion] = useState(0);
  const decision = useRunLocation(desktop, locationVersion);
  /** A local run sends this device's own copies of the files: no server needed. */
  const readLocalFiles = useCallback(
    () =>
      Promise.all(
        Object.entries(files).map(async ([path, file]): Promise<RunFile> => {
          const content = (await sync.find<FileDocument>(file.docUrl)).doc()?.content;
          if (typeof content !== 'string') throw new Error(`${path} is not on this device yet; open the project online once.`);
          return { path, content };
        }),
      ),
    [files, sync],
  );
  /** New terminals on this computer's Docker engine, when that is where code runs now. */
  const localTerminals = useMemo(
    () =>
      desktop && decision?.where === 'local'
        ? { label: decision.label, terminalUrl: desktop.localTerminalUrl, readFiles: readLocalFiles }
        : undefined,
    [decision, desktop, readLocalFiles],
  );
  const runner = useMemo(
    () =>
      desktop && decision?.where === 'local'
        ? localRunner({ kind: 'local', where: decision.label, connect: desktop.localStreamUrl }, readLocalFiles)
        : serverRunner(api, projectId, waitForEdits),
    [api, decision, desktop, projectId, readLocalFiles, waitForEdits],
  );

  const showPanel = (next: Panel | null) => {
    setPanel(next);
    if (next === 'terminal') setTerminalFocus((count) => count + 1);
  };

  useWorkspaceKeys({
    run: () => {
      setPanel('run');
      setRunTrigger((count) => count + 1);
    },
    quickOpen: () => setQuickOpen(true),
    toggleTerminal: () => showPanel(panel === 'terminal' ? null : 'terminal'),
  });

  const role = project.lost ? 'viewer' : known?.project.project.role;
  const canEdit = role === 'owner' || role === 'editor';
  const online = connection === 'online';
  const runPlace = !desktop
    ? { canRun: online, location: RUN_LOCATION }
    : decision === null
      ? { canRun: false, location: 'Checking…', reason: 'Checking where code runs…' }
      : decision.where === 'none'
        ? { canRun: false, location: 'Nowhere right now', reason: `${decision.message} ${decision.whatToDo}` }
        : { canRun: decision.where === 'local' || online, location: decision.label };

  const mutate = useCallback(async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (failure) {
      if (failure instanceof ApiError && failure.offline) {
        throw new Error('Creating, moving and deleting files needs the server: you are offline.', { cause: failure });
      }
      throw failure;
    }
  }, []);

  const createFile = useCallback(
    (path: string) => mutate(() => api.request('POST', filesPath, { body: { path }, response: FileResponse })),
    [api, filesPath, mutate],
  );
  const moveFile = useCallback(
    (from: string, to: string) => mutate(() => api.request('PATCH', filesPath, { body: { from, to }, response: MovedFilesResponse })),
    [api, filesPath, mutate],
  );
  const deleteFile = useCallback(
    (path: string) => mutate(() => api.request('DELETE', filesPath, { query: { path } })),
    [api, filesPath, mutate],
  );

  const editorCursors: RemoteCursor[] = useMemo(
    () =>
      collaborators
        .filter((person) => person.path === openFiles.shown?.path)
        .map((person) => ({
          key: person.clientId,
          userId: person.userId,
          name: person.username,
          color: person.color,
          selections: person.selections,
        })),
    [collaborators, openFiles.shown?.path],
  );
  const presenceByPath = useMemo(() => {
    const byPath = new Map<string, Collaborator[]>();
    for (const person of collaborators) if (person.path) byPath.set(person.path, [...(byPath.get(person.path) ?? []), person]);
    return byPath;
  }, [collaborators]);

  if (!known) {
    return (
      <div className="page">
        <TopBar title="Project" />
        <main className="projects">
          {project.error ? (
            <p className="error" role="alert">
              {project.error}
            </p>
          ) : connection === 'offline' ? (
            <p className="notice" role="alert">
              This project has not been opened on this device before, so it needs the server once. Connect, and it will open (and work
              offline from then on).
            </p>
          ) : (
            <p role="status">Opening the project…</p>
          )}
          <button className="btn" onClick={() => navigate({ name: 'projects' })}>
            Back to projects
          </button>
        </main>
      </div>
    );
  }

  const banner = project.error ?? docError ?? openFiles.notice;
  const { shown } = openFiles;
  return (
    <div className="workspace">
      <TopBar title={known.project.project.name}>
        <button className="btn small" onClick={() => setQuickOpen(true)} title="Quick open (Ctrl/Cmd+P)">
          Go to file…
        </button>
        <button className="btn small primary" onClick={() => setSharing(true)} data-testid="share-button">
          Share
        </button>
      </TopBar>
      {banner && (
        <div className="banner" role="alert">
          {banner}
          <button
            className="icon-btn"
            aria-label="Dismiss"
            onClick={() => {
              project.clearError();
              setDocError(null);
              openFiles.clearNotice();
            }}
          >
            ×
          </button>
        </div>
      )}
      {openFiles.orphans.map((orphan) => (
        <OrphanBanner
          key={orphan.docUrl}
          orphan={orphan}
          canRestore={canEdit}
          onRestore={async (path, content) => {
            await mutate(() => api.request('POST', filesPath, { body: { path, content }, response: FileResponse }));
            openFiles.dismissOrphan(orphan.docUrl);
          }}
          onDismiss={() => openFiles.dismissOrphan(orphan.docUrl)}
        />
      ))}
      <div className="workspace-body">
        <MemoExplorer
          paths={paths}
          activePath={activePath}
          canEdit={canEdit}
          presence={presenceByPath}
          onOpen={openByHand}
          onCreateFile={createFile}
          onMove={moveFile}
          onDelete={deleteFile}
        />
        <section className="main-column">
          <div className="tabs" role="tablist" aria-label="Open files">
            {openFiles.tabs.map((path) => (
              <div
                key={path}
                role="tab"
                aria-selected={path === activePath}
                className={`tab${path === activePath ? ' active' : ''}`}
                data-testid="editor-tab"
              >
                <button className="tab-label" onClick={() => openByHand(path)} title={path}>
                  {path.slice(path.lastIndexOf('/') + 1)}
                  {(presenceByPath.get(path) ?? []).map((person) => (
                    <span key={person.clientId} className="presence-dot" style={{ background: person.color }} />
                  ))}
                </button>
                <button className="tab-close" aria-label={`Close ${path}`} onClick={() => openFiles.close(path)}>
                  ×
                </button>
              </div>
            ))}
          </div>
          <div className="editor-area">
            {shown ? (
              <ErrorBoundary what="The editor">
                <LazyEditorPane
                  handle={shown.handle}
                  path={shown.path}
                  readOnly={!canEdit}
                  remoteCursors={editorCursors}
                  onSelectionChange={(selections: SelectionRange[]) => {
                    mySelections.current.set(shown.path, selections);
                    presence?.update(shown.path, selections);
                  }}
                  followCursor={
                    followed && followed.path === shown.path
                      ? (editorCursors.find((cursor) => cursor.key === followed.clientId) ?? null)
                      : null
                  }
                  onUserNavigated={() => setFollowing(null)}
                  focusRequest={editorFocus}
                />
                {shown.path !== activePath && activePath && <div className="editor-loading">Opening {activePath}…</div>}
              </ErrorBoundary>
            ) : (
              <div className="empty-editor muted">
                {paths.length === 0
                  ? 'This project has no files yet. Create one in the file tree.'
                  : activePath
                    ? `Opening ${activePath}…`
                    : 'Open a file from the tree, or press Ctrl/Cmd+P.'}
              </div>
            )}
          </div>
          <div className="bottom-panel" data-open={panel !== null}>
            <div className="panel-tabs" role="tablist">
              <button role="tab" aria-selected={panel === 'run'} onClick={() => setPanel(panel === 'run' ? null : 'run')}>
                Run
              </button>
              <button
                role="tab"
                aria-selected={panel === 'terminal'}
                onClick={() => showPanel(panel === 'terminal' ? null : 'terminal')}
                title="Toggle terminal (Ctrl+`)"
              >
                Terminal
              </button>
              {desktop && (
                <span className="panel-tabs-end">
                  <RunLocationPicker runs={desktop} onChanged={() => setLocationVersion((version) => version + 1)} />
                </span>
              )}
            </div>
            <div className="panel-body" hidden={panel !== 'run'}>
              <ErrorBoundary what="The run panel">
                <MemoRunPanel
                  runner={runner}
                  files={paths}
                  activePath={activePath}
                  canRun={runPlace.canRun}
                  cannotRunReason={runPlace.reason}
                  location={runPlace.location}
                  runTrigger={runTrigger}
                />
              </ErrorBoundary>
            </div>
            {terminalOpened && (
              <div className="panel-body" hidden={panel !== 'terminal'}>
                <ErrorBoundary what="The terminal">
                  <Suspense fallback={<p className="muted pad">Loading the terminal…</p>}>
                    <TerminalPanel
                      api={api}
                      projectId={projectId}
                      activePath={activePath}
                      canType={canEdit}
                      location={runPlace.location}
                      local={localTerminals}
                      cannotOpenReason={runPlace.reason}
                      visible={panel === 'terminal'}
                      focusRequest={terminalFocus}
                      onLocalLive={setLiveLocalTerminals}
                    />
                  </Suspense>
                </ErrorBoundary>
              </div>
            )}
          </div>
        </section>
      </div>
      <StatusBar
        sync={sync}
        role={role ?? 'viewer'}
        collaborators={collaborators}
        following={following}
        onFollow={(clientId) => setFollowing((current) => (current === clientId ? null : clientId))}
        location={runPlace.location}
      />
      {quickOpen && (
        <QuickOpen
          paths={paths}
          onOpen={(path) => {
            openByHand(path);
            setQuickOpen(false);
          }}
          onClose={() => setQuickOpen(false)}
        />
      )}
      {sharing && (
        <ShareDialog projectId={projectId} project={known.project} onClose={() => setSharing(false)} onChanged={project.refresh} />
      )}
    </div>
  );
}

/** A deleted file that held edits the server never got: put it back, or let it go. */
function OrphanBanner({
  orphan,
  canRestore,
  onRestore,
  onDismiss,
}: {
  orphan: OrphanedFile;
  canRestore: boolean;
  onRestore(path: string, content: string): Promise<void>;
  onDismiss(): void;
}) {
  const [error, setError] = useState<string | null>(null);
  const content = orphan.handle.doc()?.content;
  return (
    <div className="banner" role="alert">
      <span>
        A collaborator deleted “{orphan.path}” while it held your edits that had not reached the server.
        {error && <span className="error"> {error}</span>}
      </span>
      <span className="row-actions">
        {canRestore && typeof content === 'string' && (
          <button
            className="btn small primary"
            onClick={() => onRestore(orphan.path, content).catch((failure: unknown) => setError(messageOf(failure)))}
          >
            Restore it
          </button>
        )}
        <button className="btn small" onClick={onDismiss}>
          Discard
        </button>
      </span>
    </div>
  );
}
