import type { DocHandle } from '@automerge/automerge-repo/slim';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FileDocument } from '../../../../../shared/protocol/files.js';
import { AutomergeMonacoBinding } from './automerge-monaco-binding.js';
import { monaco, monacoLanguage, THEME } from './monaco-setup.js';
import { RemoteCursors } from './remote-cursors.js';
import type { RemoteCursor, SelectionRange } from './types.js';
import './editor.css';

export interface EditorPaneProps {
  /** The file's document, ready (found). */
  handle: DocHandle<FileDocument>;
  path: string;
  readOnly: boolean;
  /** The people in this file. */
  remoteCursors: RemoteCursor[];
  /** My selections, after every cursor move and edit. */
  onSelectionChange(selections: SelectionRange[]): void;
  /** Keep this person's cursor in view as it moves. */
  followCursor?: RemoteCursor | null;
  /** The user moved the cursor, typed or scrolled: whoever they follow, they stop. */
  onUserNavigated?(): void;
  /**
   * Each new non-zero value moves the keyboard focus into the editor once, e.g. when the user opens a file;
   * nothing else does (a file shown by follow or a rename must not take the keys from the terminal). A pane
   * that mounts with a value not acted on yet acts on it (the workspace unmounts the pane while a file
   * loads), so a value must never repeat in the window's life, across projects too: use e.g. Date.now().
   */
  focusRequest?: number;
}

const VIEWER_MESSAGE = 'You are a viewer: ask an owner for edit access';
const DAMAGED_MESSAGE =
  "This file's document is damaged: its text was replaced by something that is not text, so it cannot be shown or edited. It shows again once its text is restored.";
/** Files whose model, undo history and scroll position are kept while other files are shown. */
const KEEP_OPEN = 10;

/**
 * The last focus request acted on. Module-wide, since the workspace unmounts the pane while a file it opens
 * loads: the request must still be acted on when the pane comes back, and only once.
 */
let focusRequestDone: number | undefined;

interface Session {
  binding: AutomergeMonacoBinding;
  viewState: monaco.editor.ICodeEditorViewState | null;
}

/**
 * One Monaco editor for the pane's lifetime; each file gets its own model and binding, kept (up to
 * KEEP_OPEN, least recently shown closed first) so switching back restores its cursor, scroll and undo.
 */
export function EditorPane(props: EditorPaneProps) {
  const { handle, path, readOnly, remoteCursors, onSelectionChange, followCursor, onUserNavigated, focusRequest } = props;
  const container = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor | null>(null);
  const sessions = useRef(new Map<string, Session>());
  /** The binding of the file shown. */
  const [shown, setShown] = useState<AutomergeMonacoBinding | null>(null);
  const [damaged, setDamaged] = useState(false);
  const cursors = useRef<RemoteCursors | null>(null);
  const callbacks = useRef({ onSelectionChange, onUserNavigated, readOnly });
  useLayoutEffect(() => {
    callbacks.current = { onSelectionChange, onUserNavigated, readOnly };
  });

  useLayoutEffect(() => {
    const created = monaco.editor.create(container.current!, {
      model: null,
      theme: THEME,
      automaticLayout: true,
      fontFamily: "'JetBrains Mono', 'Cascadia Code', Menlo, Consolas, monospace",
      fontSize: 13,
      lineHeight: 20,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fixedOverflowWidgets: true,
      readOnlyMessage: { value: VIEWER_MESSAGE },
    });
    const openSessions = sessions.current;
    cursors.current = new RemoteCursors(created);
    setEditor(created);
    return () => {
      cursors.current?.dispose();
      for (const session of openSessions.values()) closeSession(session);
      openSessions.clear();
      created.dispose();
    };
  }, []);

  useEffect(() => {
    editor?.updateOptions({ readOnly });
    for (const session of sessions.current.values()) session.binding.setReadOnly(readOnly);
  }, [editor, readOnly]);

  useEffect(() => {
    if (!editor) return;
    const open = sessions.current;
    const key = handle.documentId;
    let session = open.get(key);
    if (session) {
      open.delete(key);
      monaco.editor.setModelLanguage(session.binding.model, monacoLanguage(path));
    } else {
      session = { binding: AutomergeMonacoBinding.open(handle, monacoLanguage(path), callbacks.current.readOnly), viewState: null };
    }
    open.set(key, session);
    for (const [oldKey, old] of open) {
      if (open.size <= KEEP_OPEN) break;
      closeSession(old);
      open.delete(oldKey);
    }
    const { binding } = session;
    const current = session;
    editor.setModel(binding.model);
    if (current.viewState) editor.restoreViewState(current.viewState);
    binding.show(editor);
    setShown(binding);
    setDamaged(binding.damaged);
    const stopWatching = binding.onDamagedChange(() => setDamaged(binding.damaged));
    return () => {
      stopWatching();
      current.viewState = editor.saveViewState();
      binding.show(null);
    };
  }, [editor, handle, path]);

  useEffect(() => {
    if (!editor || !focusRequest || focusRequest === focusRequestDone) return;
    focusRequestDone = focusRequest;
    editor.focus();
  }, [editor, focusRequest]);

  useEffect(() => {
    if (!editor) return;
    const reportSelections = () => {
      const model = editor.getModel();
      const selections = editor.getSelections();
      const binding = [...sessions.current.values()].find((session) => session.binding.model === model)?.binding;
      if (!model || !selections || !binding) return;
      const toDoc = (offset: number) => binding.toDocOffset(offset);
      callbacks.current.onSelectionChange(
        selections.map((s) => ({
          anchor: toDoc(model.getOffsetAt(s.getSelectionStart())),
          head: toDoc(model.getOffsetAt(s.getPosition())),
        })),
      );
    };
    const navigated = () => callbacks.current.onUserNavigated?.();
    const node = editor.getDomNode();
    node?.addEventListener('wheel', navigated, { passive: true });
    const listeners = [
      editor.onDidChangeCursorSelection((event) => {
        reportSelections();
        if (event.source === 'keyboard' || event.source === 'mouse') navigated();
      }),
      editor.onMouseDown(navigated),
      editor.onDidChangeModel(reportSelections),
      editor.onDidChangeModelContent(() => cursors.current?.relayout()),
    ];
    return () => {
      node?.removeEventListener('wheel', navigated);
      for (const listener of listeners) listener.dispose();
    };
  }, [editor]);

  useEffect(() => {
    if (!editor || !shown) return;
    const toModel = (offset: number) => shown.toModelOffset(offset);
    cursors.current?.show(
      remoteCursors.map((cursor) => ({
        ...cursor,
        selections: cursor.selections.map(({ anchor, head }) => ({ anchor: toModel(anchor), head: toModel(head) })),
      })),
    );
  }, [editor, shown, remoteCursors]);

  const followedHead = followCursor?.selections[0]?.head;
  useEffect(() => {
    const model = editor?.getModel();
    if (!editor || !model || !shown || followedHead === undefined) return;
    editor.revealPositionInCenterIfOutsideViewport(model.getPositionAt(shown.toModelOffset(followedHead)));
  }, [editor, shown, followedHead]);

  return (
    <div className="editor-pane" data-testid="editor" data-path={path}>
      <div ref={container} className="editor-pane__monaco" hidden={damaged} />
      {damaged && (
        <p className="editor-pane__damaged" role="alert">
          {DAMAGED_MESSAGE}
        </p>
      )}
    </div>
  );
}

function closeSession({ binding }: Session): void {
  binding.dispose();
  binding.model.dispose();
}
