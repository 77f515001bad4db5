import type { DocHandle } from '@automerge/automerge-repo/slim';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import {
  FileResponse,
  FilesResponse,
  MovedFilesResponse,
  type FileDocument,
  type ProjectDocument,
} from '../../../../../shared/protocol/files.js';
import { ProjectResponse } from '../../../../../shared/protocol/projects.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useSignedIn } from '../../app-context.js';
import { ApiError } from '../../services/api-client.js';
import { PresenceChannel, type Collaborator } from '../../services/presence.js';
import { navigate } from '../../router.js';
import { LazyEditorPane } from '../editor/lazy-editor-pane.js';
import type { RemoteCursor, SelectionRange } from '../editor/types.js';
import { Explorer } from '../explorer/explorer.js';
import { messageOf } from '../projects/projects-screen.js';
import { QuickOpen } from '../quick-open/quick-open.js';
import { RunPanel } from '../run/run-panel.js';
import { ShareDialog } from '../share/share-dialog.js';
import { StatusBar } from './status-bar.js';
import { TopBar } from './top-bar.js';
import { useProjectFiles } from './use-project-files.js';
import { useSyncStatus } from './use-sync-status.js';
import { useWorkspaceKeys } from './use-workspace-keys.js';

const TerminalPanel = lazy(() => import('../terminal/terminal-panel.js').then((module) => ({ default: module.TerminalPanel })));

/** What this device remembers of a project, so it opens offline. */
const CachedProject = z.object({ project: ProjectResponse, projectDocUrl: z.string() });
type CachedProject = z.infer<typeof CachedProject>;

/** Where code runs, shown on every run and terminal (the desktop app adds a local engine). */
const RUN_LOCATION = 'Cloud (Tandem server)';

type Panel = 'run' | 'terminal';

export function WorkspaceScreen({ projectId }: { projectId: string }) {
  const { api, sync, cache, user } = useSignedIn();
  const filesPath = routes.listFiles.path.replace(':id', projectId);
  const [known, setKnown] = useState<CachedProject | null>(() => cache.get(`project:${projectId}`, CachedProject) ?? null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [projectHandle, setProjectHandle] = useState<DocHandle<ProjectDocument> | null>(null);
  const files = useProjectFiles(projectHandle);
  const paths = useMemo(() => Object.keys(files).sort(), [files]);
  const status = useSyncStatus(sync);
  const [openPaths, setOpenPaths] = useState<string[]>([]);
  const [activePath, setActivePath] = useState<string | null>(null);
  const [handles, setHandles] = useState<Map<string, DocHandle<FileDocument>>>(new Map());
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
  const [quickOpen, setQuickOpen] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  // The project and its document: from the server when it answers, else as this device last saw them.
  const refreshProject = useCallback(async () => {
    try {
      const [project, list] = await Promise.all([
        api.request('GET', routes.getProject.path.replace(':id', projectId), { response: ProjectResponse }),
        api.request('GET', filesPath, { response: FilesResponse }),
      ]);
      const fresh = { project, projectDocUrl: list.projectDocUrl };
      cache.set(`project:${projectId}`, fresh);
      setKnown(fresh);
      setLoadError(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.offline) return;
      if (failure instanceof ApiError && failure.status === 404) cache.delete(`project:${projectId}`);
      setLoadError(messageOf(failure));
    }
  }, [api, cache, filesPath, projectId]);
  useEffect(() => void refreshProject(), [refreshProject]);

  const projectDocUrl = known?.projectDocUrl;
  useEffect(() => {
    if (!projectDocUrl) return;
    let cancelled = false;
    sync.find<ProjectDocument>(projectDocUrl).then(
      (handle) => !cancelled && setProjectHandle(handle),
      (failure: unknown) => !cancelled && setLoadError(`The project's files could not be opened: ${messageOf(failure)}`),
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

  // Open the first file once the tree is known; follow renames (same document, new path) and deletions.
  useEffect(() => {
    if (!projectHandle) return;
    setOpenPaths((open) => {
      const byDoc = new Map(Object.entries(files).map(([path, file]) => [file.docUrl, path]));
      const next = open
        .map((path) => (files[path] ? path : (byDoc.get(handles.get(path)?.url ?? '') ?? null)))
        .filter((path): path is string => !!path);
      if (next.length < open.length) setNotice('A file you had open was deleted or moved by a collaborator.');
      return next.length === open.length && next.every((path, index) => path === open[index]) ? open : next;
    });
    setActivePath((active) => {
      if (active && files[active]) return active;
      if (active) {
        const docUrl = handles.get(active)?.url;
        const moved = Object.entries(files).find(([, file]) => file.docUrl === docUrl)?.[0];
        if (moved) return moved;
      }
      return paths[0] ?? null;
    });
  }, [files, paths, projectHandle, handles]);

  // Each open file's document, found once (offline from this device's copy).
  useEffect(() => {
    if (!activePath || !files[activePath]) return;
    setOpenPaths((open) => (open.includes(activePath) ? open : [...open, activePath]));
    const docUrl = files[activePath].docUrl;
    if (handles.get(activePath)?.url === docUrl) return;
    let cancelled = false;
    sync.find<FileDocument>(docUrl).then(
      (handle) => !cancelled && setHandles((current) => new Map(current).set(activePath, handle)),
      (failure: unknown) => {
        if (cancelled) return;
        console.warn(`Could not open ${activePath}`, failure);
        setNotice(
          sync.status.connection === 'online'
            ? `"${activePath}" could not be opened: ${messageOf(failure)}. Reload to try again.`
            : `"${activePath}" is not on this device yet and the server cannot be reached: it opens once you are online.`,
        );
      },
    );
    return () => {
      cancelled = true;
    };
  }, [activePath, files, handles, sync]);

  useEffect(() => presence?.update(activePath, []), [presence, activePath]);

  // Following someone: go where they go.
  const followed = collaborators.find((person) => person.clientId === following) ?? null;
  useEffect(() => {
    if (following && !followed) setFollowing(null);
    if (followed?.path && followed.path !== activePath && files[followed.path]) setActivePath(followed.path);
  }, [followed, following, activePath, files]);

  useWorkspaceKeys({
    run: () => {
      setPanel('run');
      setRunTrigger((count) => count + 1);
    },
    quickOpen: () => setQuickOpen(true),
    toggleTerminal: () => setPanel((current) => (current === 'terminal' ? null : 'terminal')),
  });

  const role = known?.project.project.role;
  const canEdit = role === 'owner' || role === 'editor';
  const online = status.connection === 'online';

  const mutate = useCallback(async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (failure) {
      if (failure instanceof ApiError && failure.offline)
        throw new Error('Creating, moving and deleting files needs the server: you are offline.', { cause: failure });
      throw failure;
    }
  }, []);

  const editorCursors: RemoteCursor[] = useMemo(
    () =>
      collaborators
        .filter((person) => person.path === activePath)
        .map((person) => ({
          key: person.clientId,
          userId: person.userId,
          name: person.username,
          color: person.color,
          selections: person.selections,
        })),
    [collaborators, activePath],
  );
  const presenceByPath = useMemo(() => {
    const byPath = new Map<string, Array<{ username: string; color: string }>>();
    for (const person of collaborators) if (person.path) byPath.set(person.path, [...(byPath.get(person.path) ?? []), person]);
    return byPath;
  }, [collaborators]);

  if (!known) {
    return (
      <div className="page">
        <TopBar title="Project" />
        <main className="projects">
          {loadError ? (
            <p className="error" role="alert">
              {loadError}
            </p>
          ) : status.connection === 'offline' ? (
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

  const activeHandle = activePath ? handles.get(activePath) : undefined;
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
      {(loadError || notice) && (
        <div className="banner" role="alert">
          {loadError ?? notice}
          <button className="icon-btn" aria-label="Dismiss" onClick={() => (setLoadError(null), setNotice(null))}>
            ×
          </button>
        </div>
      )}
      <div className="workspace-body">
        <Explorer
          paths={paths}
          activePath={activePath}
          canEdit={canEdit}
          presence={presenceByPath}
          onOpen={(path) => (setActivePath(path), setFollowing(null))}
          onCreateFile={(path) => mutate(() => api.request('POST', filesPath, { body: { path }, response: FileResponse }))}
          onMove={(from, to) => mutate(() => api.request('PATCH', filesPath, { body: { from, to }, response: MovedFilesResponse }))}
          onDelete={(path) => mutate(() => api.request('DELETE', filesPath, { query: { path } }))}
        />
        <section className="main-column">
          <div className="tabs" role="tablist" aria-label="Open files">
            {openPaths.map((path) => (
              <div
                key={path}
                role="tab"
                aria-selected={path === activePath}
                className={`tab${path === activePath ? ' active' : ''}`}
                data-testid="editor-tab"
              >
                <button className="tab-label" onClick={() => (setActivePath(path), setFollowing(null))} title={path}>
                  {path.slice(path.lastIndexOf('/') + 1)}
                  {(presenceByPath.get(path) ?? []).map((person) => (
                    <span key={person.username} className="presence-dot" style={{ background: person.color }} />
                  ))}
                </button>
                <button
                  className="tab-close"
                  aria-label={`Close ${path}`}
                  onClick={() => {
                    setOpenPaths((open) => open.filter((other) => other !== path));
                    if (path === activePath) setActivePath(openPaths.find((other) => other !== path) ?? null);
                  }}
                >
                  ×
                </button>
              </div>
            ))}
          </div>
          <div className="editor-area">
            {activePath && activeHandle ? (
              <LazyEditorPane
                handle={activeHandle}
                path={activePath}
                readOnly={!canEdit}
                remoteCursors={editorCursors}
                onSelectionChange={(selections: SelectionRange[]) => presence?.update(activePath, selections)}
                followCursor={
                  followed && followed.path === activePath
                    ? (editorCursors.find((cursor) => cursor.key === followed.clientId) ?? null)
                    : null
                }
                onUserNavigated={() => setFollowing(null)}
              />
            ) : (
              <div className="empty-editor muted">
                {paths.length === 0
                  ? 'This project has no files yet. Create one in the file tree.'
                  : activePath
                    ? 'Opening…'
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
                onClick={() => setPanel(panel === 'terminal' ? null : 'terminal')}
                title="Toggle terminal (Ctrl+`)"
              >
                Terminal
              </button>
            </div>
            <div className="panel-body" hidden={panel !== 'run'}>
              <RunPanel
                api={api}
                projectId={projectId}
                files={paths}
                activePath={activePath}
                canRun={online}
                location={RUN_LOCATION}
                runTrigger={runTrigger}
              />
            </div>
            {terminalOpened && (
              <div className="panel-body" hidden={panel !== 'terminal'}>
                <Suspense fallback={<p className="muted pad">Loading the terminal…</p>}>
                  <TerminalPanel
                    api={api}
                    projectId={projectId}
                    activePath={activePath}
                    canType={canEdit}
                    location={RUN_LOCATION}
                    visible={panel === 'terminal'}
                  />
                </Suspense>
              </div>
            )}
          </div>
        </section>
      </div>
      <StatusBar
        status={status}
        role={role ?? 'viewer'}
        collaborators={collaborators}
        following={following}
        onFollow={(clientId) => setFollowing((current) => (current === clientId ? null : clientId))}
        location={RUN_LOCATION}
      />
      {quickOpen && (
        <QuickOpen paths={paths} onOpen={(path) => (setActivePath(path), setQuickOpen(false))} onClose={() => setQuickOpen(false)} />
      )}
      {sharing && (
        <ShareDialog projectId={projectId} project={known.project} onClose={() => setSharing(false)} onChanged={refreshProject} />
      )}
    </div>
  );
}
