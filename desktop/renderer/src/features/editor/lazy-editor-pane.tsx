import { lazy, Suspense } from 'react';
import type { EditorPaneProps } from './editor-pane.js';
import './editor.css';

// Monaco is most of the app's JavaScript: it loads with the first open file, not with the app.
const EditorPane = lazy(() => import('./editor-pane.js').then((module) => ({ default: module.EditorPane })));

export function LazyEditorPane(props: EditorPaneProps) {
  return (
    <Suspense fallback={<div className="editor-loading">Loading editor…</div>}>
      <EditorPane {...props} />
    </Suspense>
  );
}
