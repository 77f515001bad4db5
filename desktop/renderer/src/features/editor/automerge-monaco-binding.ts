import { splice, type DocHandle, type DocHandleChangePayload } from '@automerge/automerge-repo/slim';
import type { FileDocument } from '../../../../../shared/protocol/files.js';
import {
  editsFromPatches,
  lfView,
  LocalHistory,
  minimalEdit,
  toDocChange,
  toDocOffset,
  toLfEdits,
  toLfOffset,
  transformOffset,
  type TextEdit,
} from '../../../../../shared/sync/text-binding.js';
import { monaco } from './monaco-setup.js';

type ITextModel = monaco.editor.ITextModel;
type ICodeEditor = monaco.editor.ICodeEditor;

const CONTENT = ['content'];
/** A remote edit's cursor restore, told apart from the user's own cursor moves. */
const REMOTE_EDIT_SOURCE = 'tandem.remote-edit';
const VERIFY_AFTER_MS = 1000;

/** The document's text; null when a peer put something else than a string there. */
function contentOf(doc: FileDocument | undefined): string | null {
  const content: unknown = doc?.content;
  return typeof content === 'string' ? content : null;
}

/**
 * Keeps a Monaco model and a file document's text equal: the user's edits become splices, one
 * `handle.change` per Monaco event; everyone else's arrive as patches and become model edits that keep
 * the user's cursors in place and stay out of Monaco's undo stack. Undo and redo use a history of the
 * user's own transactions (`LocalHistory`, in document offsets), so they never take back a collaborator's work.
 *
 * Line endings: the model is always LF and shows `lfView(document)`; the document keeps its own (a CRLF
 * file stays CRLF) and is never written to because of them. Offsets are mapped between the two (see
 * text-binding.ts), so a keystroke lands where it was typed whatever the document's line endings.
 */
export class AutomergeMonacoBinding {
  private history = new LocalHistory();
  private changingDoc = false;
  private changingModel = false;
  private editor: ICodeEditor | null = null;
  private verifyTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly contentListener: monaco.IDisposable;
  /** The document text the model shows; null while the document is damaged (its content is no string). */
  private text: string | null;
  private readonly damageListeners = new Set<() => void>();

  /** A model for the document, pinned to LF, and its binding. */
  static open(handle: DocHandle<FileDocument>, language: string, readOnly: boolean): AutomergeMonacoBinding {
    const model = monaco.editor.createModel(lfView(contentOf(handle.doc()) ?? ''), language);
    model.setEOL(monaco.editor.EndOfLineSequence.LF);
    return new AutomergeMonacoBinding(handle, model, readOnly);
  }

  private constructor(
    private readonly handle: DocHandle<FileDocument>,
    readonly model: ITextModel,
    /** A viewer's binding never writes: not even undo, from a history kept since they could edit. */
    private readOnly: boolean,
  ) {
    this.text = contentOf(handle.doc());
    this.contentListener = model.onDidChangeContent((event) => this.onLocalEdit(event));
    handle.on('change', this.onDocChange);
    // Every path to undo and redo (keys, command palette, the Electron menu) ends in the model's methods.
    model.undo = () => this.step((text) => this.history.undo(text));
    model.redo = () => this.step((text) => this.history.redo(text));
    // createModel drops a leading byte order mark: the model gets it back as text.
    this.resync(false);
  }

  /** The editor showing this model now, whose cursors remote edits and undo move; null when hidden. */
  show(editor: ICodeEditor | null): void {
    this.editor = editor;
  }

  setReadOnly(readOnly: boolean): void {
    this.readOnly = readOnly;
  }

  /** True while the document's content is not text: the pane shows a notice instead of the editor. */
  get damaged(): boolean {
    return this.text === null;
  }

  onDamagedChange(listener: () => void): () => void {
    this.damageListeners.add(listener);
    return () => this.damageListeners.delete(listener);
  }

  /** A model offset as an offset into the document's text (what presence carries). */
  toDocOffset(modelOffset: number): number {
    return this.text === null ? modelOffset : toDocOffset(this.text, modelOffset);
  }

  /** A document offset (from presence) as an offset into the model. */
  toModelOffset(docOffset: number): number {
    return this.text === null ? docOffset : toLfOffset(this.text, docOffset);
  }

  dispose(): void {
    clearTimeout(this.verifyTimer);
    this.contentListener.dispose();
    this.handle.off('change', this.onDocChange);
    this.damageListeners.clear();
  }

  private onLocalEdit(event: monaco.editor.IModelContentChangedEvent): void {
    if (this.changingModel || event.changes.length === 0) return;
    const before = this.text;
    if (before === null || this.model.getEOL() !== '\n') {
      // Nothing the user can do gets here (a damaged document's editor is hidden; nothing sets the EOL): the
      // model goes back to what the document says rather than write at offsets that mean something else.
      console.warn('Tandem: an edit the document cannot take was undone.');
      queueMicrotask(() => {
        this.changingModel = true;
        try {
          this.model.setEOL(monaco.editor.EndOfLineSequence.LF);
        } finally {
          this.changingModel = false;
        }
        this.resync(true);
      });
      return;
    }
    const change = toDocChange(
      before,
      event.changes
        .map((c): TextEdit => ({ offset: c.rangeOffset, deleteCount: c.rangeLength, insert: c.text }))
        .sort((a, b) => a.offset - b.offset),
    );
    // Each of the changes is relative to the text before the event: apply the last one first.
    this.changeDoc([...change].reverse());
    this.history.record(change, before, Date.now());
    this.verifySoon();
  }

  private readonly onDocChange = ({ doc, patches }: DocHandleChangePayload<FileDocument>): void => {
    if (this.changingDoc) return;
    const before = this.text;
    const after = contentOf(doc);
    if (before === null || after === null) {
      this.resync(before !== null);
      return;
    }
    const parsed = editsFromPatches(patches);
    const edits = parsed === 'reset' ? [minimalEdit(before, after)].filter((edit) => edit !== null) : parsed;
    this.text = after;
    if (edits.length === 0) return;
    this.history.transform(edits);
    this.changeModel(toLfEdits(before, edits, after));
    if (this.model.getValueLength() === lfView(after).length) this.verifySoon();
    else this.verify();
  };

  private step(edits: (text: string) => TextEdit[] | null): void {
    const before = this.text;
    if (before === null || this.readOnly) return;
    const sequential = edits(before);
    if (!sequential) return;
    this.changeDoc(sequential);
    const after = this.text ?? '';
    this.changeModel(toLfEdits(before, sequential, after), false);
    // The edits run back to front: the last one is the first in the text, where the undone work began.
    const first = sequential.at(-1)!;
    const position = this.model.getPositionAt(toLfOffset(after, first.offset + first.insert.length));
    this.editor?.setPosition(position);
    this.editor?.revealPositionInCenterIfOutsideViewport(position);
  }

  /** Sequential edits to the document; `text` follows. */
  private changeDoc(edits: readonly TextEdit[]): void {
    this.changingDoc = true;
    try {
      this.handle.change((doc) => {
        for (const edit of edits) splice(doc, CONTENT, edit.offset, edit.deleteCount, edit.insert);
      });
    } finally {
      this.changingDoc = false;
    }
    this.text = contentOf(this.handle.doc());
  }

  /** Applies sequential edits to the model; with `keepCursors`, the user's selections stay on their text. */
  private changeModel(edits: readonly TextEdit[], keepCursors = true): void {
    if (edits.length === 0) return;
    const editor = keepCursors && this.editor?.getModel() === this.model ? this.editor : null;
    const selections = editor?.getSelections()?.map((s) => {
      const [anchor, head] = [this.model.getOffsetAt(s.getSelectionStart()), this.model.getOffsetAt(s.getPosition())];
      // Text inserted at a selection's edges stays outside it; at a bare cursor, after it.
      return anchor === head
        ? { anchor: transformOffset(anchor, edits), head: transformOffset(head, edits) }
        : { anchor: transformOffset(anchor, edits, anchor < head ? 1 : -1), head: transformOffset(head, edits, anchor < head ? -1 : 1) };
    });
    this.changingModel = true;
    try {
      for (const edit of edits) {
        const start = this.model.getPositionAt(edit.offset);
        const end = this.model.getPositionAt(edit.offset + edit.deleteCount);
        this.model.applyEdits([{ range: monaco.Range.fromPositions(start, end), text: edit.insert }]);
      }
    } finally {
      this.changingModel = false;
    }
    if (!editor || !selections) return;
    editor.setSelections(
      selections.map(({ anchor, head }) => {
        const [from, to] = [this.model.getPositionAt(anchor), this.model.getPositionAt(head)];
        return {
          selectionStartLineNumber: from.lineNumber,
          selectionStartColumn: from.column,
          positionLineNumber: to.lineNumber,
          positionColumn: to.column,
        };
      }),
      REMOTE_EDIT_SOURCE,
    );
  }

  private verifySoon(): void {
    clearTimeout(this.verifyTimer);
    this.verifyTimer = setTimeout(() => this.verify(), VERIFY_AFTER_MS);
  }

  /** Should never find anything: the model follows the document, which is the truth. */
  private verify(): void {
    this.resync(true);
  }

  /** Brings the model (never the document) to the document's text, and tells whether it is damaged. */
  private resync(warn: boolean): void {
    const wasDamaged = this.damaged;
    this.text = contentOf(this.handle.doc());
    if (this.text !== null) {
      const edit = minimalEdit(this.model.getValue(), lfView(this.text));
      if (edit) {
        if (warn && !wasDamaged) {
          console.warn(
            `Tandem: the editor differed from the document (${edit.deleteCount} → ${edit.insert.length} characters at ${edit.offset}); resynced.`,
          );
        }
        this.changeModel([edit]);
        this.history = new LocalHistory();
      }
    } else {
      this.history = new LocalHistory();
    }
    if (wasDamaged !== this.damaged) for (const listener of this.damageListeners) listener();
  }
}
