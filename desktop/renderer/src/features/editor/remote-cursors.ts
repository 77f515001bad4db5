import { monaco } from './monaco-setup.js';
import type { RemoteCursor } from './types.js';

const FALLBACK_COLOR = '#9aa0a6';

/**
 * Collaborators' carets and selections in their colors, each with a name flag above the caret. A color
 * comes from another person's presence, so it is used only if it parses as a CSS color; each distinct
 * color gets a class in one shared <style> element, since decorations take classes, not styles.
 *
 * Decorations belong to a model, not to the editor: those of the model shown before are removed when the
 * editor switches models, or they would come back as stale carets when that file is shown again.
 */
export class RemoteCursors {
  private decorated: { model: monaco.editor.ITextModel; ids: string[] } | null = null;
  private readonly labels = new Map<string, NameLabel>();
  private readonly modelListener: monaco.IDisposable;

  constructor(private readonly editor: monaco.editor.ICodeEditor) {
    this.modelListener = editor.onDidChangeModel(() => this.clear());
  }

  /** `cursors`' offsets are the shown model's. */
  show(cursors: readonly RemoteCursor[]): void {
    const model = this.editor.getModel();
    if (this.decorated?.model !== model) this.clear();
    if (!model) return;
    const decorations: monaco.editor.IModelDeltaDecoration[] = [];
    const carets: { cursor: RemoteCursor; index: number }[] = [];
    for (const cursor of cursors) {
      const colorClass = classFor(cursor.color);
      cursor.selections.forEach(({ anchor, head }, i) => {
        const [start, end] = [model.getPositionAt(Math.min(anchor, head)), model.getPositionAt(Math.max(anchor, head))];
        const caret = model.getPositionAt(head);
        if (anchor !== head) {
          decorations.push({
            range: monaco.Range.fromPositions(start, end),
            options: { className: `remote-selection ${colorClass}`, stickiness: STICKINESS },
          });
        }
        if (i === 0) carets.push({ cursor, index: decorations.length });
        decorations.push({
          range: monaco.Range.fromPositions(caret),
          options: { afterContentClassName: `remote-caret ${colorClass}`, stickiness: STICKINESS, hoverMessage: { value: cursor.name } },
        });
      });
    }
    const ids = model.deltaDecorations(this.decorated?.ids ?? [], decorations);
    this.decorated = { model, ids };
    const shown = new Set<string>();
    for (const { cursor, index } of carets) {
      shown.add(cursor.key);
      const label = this.labels.get(cursor.key) ?? new NameLabel(this.editor, cursor.key);
      this.labels.set(cursor.key, label);
      label.update(cursor.name, safeColor(cursor.color), ids[index]!);
    }
    for (const [key, label] of this.labels) {
      if (shown.has(key)) continue;
      label.dispose();
      this.labels.delete(key);
    }
  }

  /** Labels are placed at a position, so they move with the text only when laid out again. */
  relayout(): void {
    for (const label of this.labels.values()) this.editor.layoutContentWidget(label);
  }

  dispose(): void {
    this.modelListener.dispose();
    this.clear();
  }

  private clear(): void {
    const decorated = this.decorated;
    this.decorated = null;
    if (decorated && !decorated.model.isDisposed()) decorated.model.deltaDecorations(decorated.ids, []);
    for (const label of this.labels.values()) label.dispose();
    this.labels.clear();
  }
}

const STICKINESS = monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges;

class NameLabel implements monaco.editor.IContentWidget {
  readonly allowEditorOverflow = false;
  readonly suppressMouseDown = true;
  private readonly node = document.createElement('div');
  private caretDecoration = '';

  constructor(
    private readonly editor: monaco.editor.ICodeEditor,
    private readonly key: string,
  ) {
    this.node.className = 'remote-cursor-label';
    editor.addContentWidget(this);
  }

  update(name: string, color: string, caretDecoration: string): void {
    this.node.textContent = name;
    this.node.style.background = color;
    this.caretDecoration = caretDecoration;
    this.editor.layoutContentWidget(this);
  }

  getId(): string {
    return `tandem.remote-cursor.${this.key}`;
  }

  getDomNode(): HTMLElement {
    return this.node;
  }

  getPosition(): monaco.editor.IContentWidgetPosition | null {
    const range = this.editor.getModel()?.getDecorationRange(this.caretDecoration);
    if (!range) return null;
    const { ABOVE, BELOW } = monaco.editor.ContentWidgetPositionPreference;
    return { position: range.getStartPosition(), preference: [ABOVE, BELOW] };
  }

  dispose(): void {
    this.editor.removeContentWidget(this);
  }
}

function safeColor(color: string): string {
  return CSS.supports('color', color) ? color : FALLBACK_COLOR;
}

const colorClasses = new Map<string, string>();
let styleSheet: HTMLStyleElement | null = null;

function classFor(color: string): string {
  const safe = safeColor(color);
  let name = colorClasses.get(safe);
  if (name) return name;
  name = `remote-color-${colorClasses.size}`;
  colorClasses.set(safe, name);
  styleSheet ??= document.head.appendChild(document.createElement('style'));
  styleSheet.append(
    `.${name}.remote-selection { background: color-mix(in srgb, ${safe} 30%, transparent); }\n`,
    `.${name}.remote-caret { border-color: ${safe}; }\n`,
  );
  return name;
}
