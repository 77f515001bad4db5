import type { DocHandle } from '@automerge/automerge-repo/slim';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FileDocument } from '../../../../../shared/protocol/files.js';
import type { SyncService } from '../../services/sync-service.js';
import { messageOf } from '../../services/api-client.js';
import type { ProjectFiles } from './use-project-files.js';

/** An open file whose document a collaborator deleted while it held edits the server never got. */
export interface OrphanedFile {
  docUrl: string;
  path: string;
  handle: DocHandle<FileDocument>;
}

export interface OpenFiles {
  /** Open tabs, by path as the tree names them now. */
  tabs: string[];
  activePath: string | null;
  /** The document shown: the active one once found, until then the one shown before (the editor stays up). */
  shown: { path: string; handle: DocHandle<FileDocument> } | null;
  open(path: string): void;
  close(path: string): void;
  orphans: OrphanedFile[];
  dismissOrphan(docUrl: string): void;
  notice: string | null;
  clearNotice(): void;
}

/**
 * Tabs and the active file, kept by document rather than by path: a rename (by anyone) keeps the tab, its
 * editor and its undo history; a deletion closes it, unless it held unsynced edits, which are offered back.
 */
export function useOpenFiles(sync: SyncService, files: ProjectFiles, ready: boolean): OpenFiles {
  const [tabs, setTabs] = useState<string[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [handles, setHandles] = useState<Map<string, DocHandle<FileDocument>>>(new Map());
  const [orphans, setOrphans] = useState<OrphanedFile[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const lastPaths = useRef(new Map<string, string>());
  const startedWithFirstFile = useRef(false);
  // The document last shown: kept on screen while the next one loads, so the editor is not torn down.
  const shownDoc = useRef<string | null>(null);

  const pathOf = useMemo(() => new Map(Object.entries(files).map(([path, file]) => [file.docUrl, path])), [files]);

  // A file just created through the API appears in the tree a moment later: open it when it does.
  const [wanted, setWanted] = useState<string | null>(null);
  const open = useCallback(
    (path: string) => {
      const docUrl = files[path]?.docUrl;
      setWanted(docUrl ? null : path);
      if (!docUrl) return;
      setTabs((current) => (current.includes(docUrl) ? current : [...current, docUrl]));
      setActive(docUrl);
    },
    [files],
  );
  useEffect(() => {
    if (wanted && files[wanted]) open(wanted);
  }, [wanted, files, open]);

  const close = useCallback(
    (path: string) => {
      const docUrl = files[path]?.docUrl;
      setTabs((current) => {
        const next = current.filter((tab) => tab !== docUrl);
        setActive((activeNow) => (activeNow === docUrl ? (next[next.length - 1] ?? null) : activeNow));
        return next;
      });
    },
    [files],
  );

  // The first file opens when the project does; after that, closing every tab leaves none open.
  useEffect(() => {
    if (!ready || startedWithFirstFile.current) return;
    // A template's entry (main.py, main.go…) before READMEs and the rest.
    const sorted = Object.keys(files).sort();
    const first = sorted.find((path) => /(^|\/)main\.[a-z]+$/.test(path)) ?? sorted[0];
    if (!first) return;
    startedWithFirstFile.current = true;
    open(first);
  }, [ready, files, open]);

  // Tabs whose document left the tree: closed, or, holding unsynced edits, offered back.
  useEffect(() => {
    if (!ready) return;
    const gone = tabs.filter((docUrl) => !pathOf.has(docUrl));
    for (const [docUrl, path] of pathOf) lastPaths.current.set(docUrl, path);
    if (gone.length === 0) return;
    const names = gone.map((docUrl) => `"${lastPaths.current.get(docUrl) ?? 'a file'}"`).join(', ');
    const kept = gone.flatMap((docUrl) => {
      const handle = handles.get(docUrl);
      return handle && sync.isPending(docUrl) ? [{ docUrl, path: lastPaths.current.get(docUrl) ?? 'restored.txt', handle }] : [];
    });
    setOrphans((current) => [...current, ...kept]);
    setNotice(kept.length ? null : `${names} was deleted by a collaborator.`);
    setTabs((current) => current.filter((docUrl) => pathOf.has(docUrl)));
    setActive((current) => (current && !pathOf.has(current) ? null : current));
  }, [ready, tabs, pathOf, handles, sync]);

  // Nothing active but tabs open (the active one was deleted): show the last tab.
  useEffect(() => {
    if (!active && tabs.length) setActive(tabs[tabs.length - 1]!);
  }, [active, tabs]);

  // The active document, found once (offline from this device's copy).
  useEffect(() => {
    if (!active || handles.has(active)) return;
    let cancelled = false;
    sync.find<FileDocument>(active).then(
      (handle) => !cancelled && setHandles((current) => new Map(current).set(active, handle)),
      (failure: unknown) => {
        if (cancelled) return;
        const path = pathOf.get(active) ?? 'The file';
        console.warn(`Could not open ${path}`, failure);
        setNotice(
          sync.status.connection === 'online'
            ? `"${path}" could not be opened: ${messageOf(failure)}. Reload to try again.`
            : `"${path}" is not on this device yet and the server cannot be reached: it opens once you are online.`,
        );
      },
    );
    return () => {
      cancelled = true;
    };
  }, [active, handles, sync, pathOf]);

  const activePath = active ? (pathOf.get(active) ?? null) : null;
  if (active && activePath && handles.has(active)) shownDoc.current = active;
  const shownHandle = shownDoc.current ? handles.get(shownDoc.current) : undefined;
  const shownPath = shownDoc.current ? pathOf.get(shownDoc.current) : undefined;
  const shown = shownHandle && shownPath ? { path: shownPath, handle: shownHandle } : null;

  return {
    tabs: tabs.map((docUrl) => pathOf.get(docUrl)).filter((path): path is string => !!path),
    activePath,
    shown,
    open,
    close,
    orphans,
    dismissOrphan: useCallback((docUrl: string) => setOrphans((current) => current.filter((orphan) => orphan.docUrl !== docUrl)), []),
    notice,
    clearNotice: useCallback(() => setNotice(null), []),
  };
}
