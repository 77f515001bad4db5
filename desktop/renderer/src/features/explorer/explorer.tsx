import { useMemo, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { buildTree, joinPath, parentOf, type TreeFolder } from './file-tree.js';

export interface ExplorerProps {
  paths: string[];
  activePath: string | null;
  canEdit: boolean;
  /** Who is in which file, for a colored dot beside it. */
  presence: Map<string, Array<{ clientId: string; username: string; color: string }>>;
  onOpen(path: string): void;
  onCreateFile(path: string): Promise<void>;
  onMove(from: string, to: string): Promise<void>;
  onDelete(path: string, isFolder: boolean): Promise<void>;
}

type Editing =
  { kind: 'newFile'; folder: string } | { kind: 'newFolder'; folder: string } | { kind: 'rename'; path: string; isFolder: boolean } | null;

/** The project's files as a tree: open, create, rename, move (drag onto a folder) and delete. */
export function Explorer(props: ExplorerProps) {
  const [extraFolders, setExtraFolders] = useState<string[]>([]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<Editing>(null);
  const [error, setError] = useState<string | null>(null);
  const tree = useMemo(() => buildTree(props.paths, extraFolders), [props.paths, extraFolders]);

  async function attempt(work: () => Promise<void>): Promise<boolean> {
    setError(null);
    try {
      await work();
      return true;
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      return false;
    }
  }

  async function finishEditing(name: string) {
    const edit = editing;
    const trimmed = name.trim();
    if (!edit || !trimmed) return setEditing(null);
    if (edit.kind === 'newFolder') {
      setExtraFolders((folders) => [...folders, joinPath(edit.folder, trimmed)]);
      return setEditing(null);
    }
    if (edit.kind === 'newFile') {
      const path = joinPath(edit.folder, trimmed);
      setEditing(null);
      if (await attempt(() => props.onCreateFile(path))) props.onOpen(path);
      return;
    }
    const to = joinPath(parentOf(edit.path), trimmed);
    if (to === edit.path) return setEditing(null);
    if (edit.isFolder && !props.paths.some((path) => path.startsWith(`${edit.path}/`))) {
      // A folder made here that holds nothing yet exists only on this screen.
      setExtraFolders((folders) => folders.map((folder) => (folder === edit.path ? to : folder)));
      return setEditing(null);
    }
    setEditing(null);
    await attempt(() => props.onMove(edit.path, to));
  }

  async function drop(event: DragEvent, folder: string) {
    event.preventDefault();
    event.stopPropagation();
    const from = event.dataTransfer.getData('application/x-tandem-path');
    if (!from || !props.canEdit) return;
    const to = joinPath(folder, from.slice(from.lastIndexOf('/') + 1));
    if (to !== from && !to.startsWith(`${from}/`)) await attempt(() => props.onMove(from, to));
  }

  const toggle = (path: string) =>
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  const renderFolder = (folder: TreeFolder, depth: number) => (
    <ul role="group" className="tree-group">
      {editing && editing.kind !== 'rename' && editing.folder === folder.path && (
        <li style={{ paddingLeft: 8 + depth * 12 }}>
          <NameInput label={editing.kind === 'newFile' ? 'New file name' : 'New folder name'} initial="" onDone={finishEditing} />
        </li>
      )}
      {folder.folders.map((child) => (
        <li key={child.path} role="treeitem" aria-expanded={!collapsed.has(child.path)}>
          {editing?.kind === 'rename' && editing.path === child.path ? (
            <div style={{ paddingLeft: 8 + depth * 12 }}>
              <NameInput label="Rename folder" initial={child.name} onDone={finishEditing} />
            </div>
          ) : (
            <div
              className="tree-row folder"
              style={{ paddingLeft: 8 + depth * 12 }}
              draggable={props.canEdit}
              onDragStart={(event) => event.dataTransfer.setData('application/x-tandem-path', child.path)}
              onDragOver={(event) => event.preventDefault()}
              onDrop={(event) => void drop(event, child.path)}
              onClick={() => toggle(child.path)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  toggle(child.path);
                } else if (event.key === 'F2' && props.canEdit) setEditing({ kind: 'rename', path: child.path, isFolder: true });
              }}
              tabIndex={0}
              data-path={child.path}
            >
              <span className="twisty">{collapsed.has(child.path) ? '▸' : '▾'}</span>
              <span className="name">{child.name}</span>
              {props.canEdit && (
                <RowActions
                  onNewFile={() => setEditing({ kind: 'newFile', folder: child.path })}
                  onRename={() => setEditing({ kind: 'rename', path: child.path, isFolder: true })}
                  onDelete={() =>
                    window.confirm(`Delete the folder "${child.path}" and everything in it, for everyone?`) &&
                    void attempt(async () => {
                      setExtraFolders((folders) =>
                        folders.filter((folder) => folder !== child.path && !folder.startsWith(`${child.path}/`)),
                      );
                      if (props.paths.some((path) => path.startsWith(`${child.path}/`))) await props.onDelete(child.path, true);
                    })
                  }
                />
              )}
            </div>
          )}
          {!collapsed.has(child.path) && renderFolder(child, depth + 1)}
        </li>
      ))}
      {folder.files.map((file) => (
        <li key={file.path} role="treeitem" aria-selected={file.path === props.activePath}>
          {editing?.kind === 'rename' && editing.path === file.path ? (
            <div style={{ paddingLeft: 20 + depth * 12 }}>
              <NameInput label="Rename file" initial={file.name} onDone={finishEditing} />
            </div>
          ) : (
            <div
              className={`tree-row file${file.path === props.activePath ? ' active' : ''}`}
              style={{ paddingLeft: 20 + depth * 12 }}
              draggable={props.canEdit}
              onDragStart={(event) => event.dataTransfer.setData('application/x-tandem-path', file.path)}
              onClick={() => props.onOpen(file.path)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') props.onOpen(file.path);
                else if (event.key === 'F2' && props.canEdit) setEditing({ kind: 'rename', path: file.path, isFolder: false });
                else if (event.key === 'Delete' && props.canEdit && window.confirm(`Delete "${file.path}" for everyone?`)) {
                  void attempt(() => props.onDelete(file.path, false));
                }
              }}
              tabIndex={0}
              data-testid="tree-file"
              data-path={file.path}
            >
              <span className="name">{file.name}</span>
              {(props.presence.get(file.path) ?? []).map((person) => (
                <span
                  key={person.username}
                  className="presence-dot"
                  style={{ background: person.color }}
                  title={`${person.username} is here`}
                />
              ))}
              {props.canEdit && (
                <RowActions
                  onRename={() => setEditing({ kind: 'rename', path: file.path, isFolder: false })}
                  onDelete={() =>
                    window.confirm(`Delete "${file.path}" for everyone?`) && void attempt(() => props.onDelete(file.path, false))
                  }
                />
              )}
            </div>
          )}
        </li>
      ))}
    </ul>
  );

  return (
    <nav className="explorer" aria-label="Files" onDragOver={(event) => event.preventDefault()} onDrop={(event) => void drop(event, '')}>
      <div className="panel-title">
        <span>Files</span>
        {props.canEdit && (
          <span className="title-actions">
            <button className="icon-btn" title="New file" aria-label="New file" onClick={() => setEditing({ kind: 'newFile', folder: '' })}>
              +
            </button>
            <button
              className="icon-btn"
              title="New folder"
              aria-label="New folder"
              onClick={() => setEditing({ kind: 'newFolder', folder: '' })}
            >
              ⊞
            </button>
          </span>
        )}
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      <div role="tree" className="tree">
        {renderFolder(tree, 0)}
      </div>
      {props.paths.length === 0 && <p className="muted small pad">No files yet.</p>}
    </nav>
  );
}

function RowActions({ onNewFile, onRename, onDelete }: { onNewFile?(): void; onRename(): void; onDelete(): void }) {
  const stop = (action: () => void) => (event: { stopPropagation(): void }) => {
    event.stopPropagation();
    action();
  };
  return (
    <span className="row-actions">
      {onNewFile && (
        <button className="icon-btn" title="New file here" aria-label="New file here" onClick={stop(onNewFile)}>
          +
        </button>
      )}
      <button className="icon-btn" title="Rename" aria-label="Rename" onClick={stop(onRename)}>
        ✎
      </button>
      <button className="icon-btn" title="Delete" aria-label="Delete" onClick={stop(onDelete)}>
        🗑
      </button>
    </span>
  );
}

function NameInput({ label, initial, onDone }: { label: string; initial: string; onDone(name: string): void }) {
  const [value, setValue] = useState(initial);
  // Enter, Escape and losing focus can follow one another: only the first one counts.
  const done = useRef(false);
  const finish = (name: string) => {
    if (done.current) return;
    done.current = true;
    onDone(name);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    finish(value);
  };
  return (
    <form onSubmit={submit} className="name-input">
      <input
        aria-label={label}
        value={value}
        autoFocus
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(event) => event.key === 'Escape' && finish('')}
        onBlur={() => finish(value === initial ? '' : value)}
        placeholder="name, or folder/name"
      />
    </form>
  );
}
