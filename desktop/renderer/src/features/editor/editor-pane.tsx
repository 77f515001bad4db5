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
}

const VIEWER_MESSAGE = 'You are a viewer: ask an owner for edit access';
/** Files whose model, undo history and scroll position are kept while other files are shown. */
const KEEP_OPEN = 10;

interface Session {
  binding: AutomergeMonacoBinding;
  viewState: monaco.editor.ICodeEditorViewState | null;
}

/**
 * One Monaco editor for the pane's lifetime; each file gets its own model and binding, kept (up to
 * KEEP_OPEN, least recently shown closed first) so switching back restores its cursor, scroll and undo.
 */
export function EditorPane({ handle, path, readOnly, remoteCursors, onSelectionChange, followCursor, onUserNavigated }: EditorPaneProps) {
  const container = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor | null>(null);
  const sessions = useRef(new Map<string, Session>());
  const cursors = useRef<RemoteCursors | null>(null);
  const callbacks = useRef({ onSelectionChange, onUserNavigated });
  useLayoutEffect(() => {
    callbacks.current = { onSelectionChange, onUserNavigated };
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

  useEffect(() => editor?.updateOptions({ readOnly }), [editor, readOnly]);

  useEffect(() => {
    if (!editor) return;
    const open = sessions.current;
    const key = handle.documentId;
    let session = open.get(key);
    if (session) {
      open.delete(key);
      monaco.editor.setModelLanguage(session.binding.model, monacoLanguage(path));
    } else {
      const model = monaco.editor.createModel(handle.doc().content ?? '', monacoLanguage(path));
      session = { binding: new AutomergeMonacoBinding(handle, model), viewState: null };
    }
    open.set(key, session);
    for (const [oldKey, old] of open) {
      if (open.size <= KEEP_OPEN) break;
      closeSession(old);
      open.delete(oldKey);
    }
    const shown = session;
    editor.setModel(shown.binding.model);
    if (shown.viewState) editor.restoreViewState(shown.viewState);
    shown.binding.show(editor);
    editor.focus();
    return () => {
      shown.viewState = editor.saveViewState();
      shown.binding.show(null);
    };
  }, [editor, handle, path]);

  useEffect(() => {
    if (!editor) return;
    const reportSelections = () => {
      const model = editor.getModel();
      const selections = editor.getSelections();
      if (!model || !selections) return;
      callbacks.current.onSelectionChange(
        selections.map((s) => ({ anchor: model.getOffsetAt(s.getSelectionStart()), head: model.getOffsetAt(s.getPosition()) })),
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
    if (editor) cursors.current?.show(remoteCursors);
  }, [editor, handle, remoteCursors]);

  const followedHead = followCursor?.selections[0]?.head;
  useEffect(() => {
    const model = editor?.getModel();
    if (!editor || !model || followedHead === undefined) return;
    editor.revealPositionInCenterIfOutsideViewport(model.getPositionAt(followedHead));
  }, [editor, handle, followedHead]);

  return <div ref={container} className="editor-pane" data-testid="editor" data-path={path} />;
}

function closeSession({ binding }: Session): void {
  binding.dispose();
  binding.model.dispose();
}
