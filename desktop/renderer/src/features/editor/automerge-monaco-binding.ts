import { splice, type DocHandle, type DocHandleChangePayload } from '@automerge/automerge-repo/slim';
import type { FileDocument } from '../../../../../shared/protocol/files.js';
import { editsFromPatches, LocalHistory, minimalEdit, transformOffset, type TextEdit } from '../../../../../shared/sync/text-binding.js';
import type { monaco } from './monaco-setup.js';

type ITextModel = monaco.editor.ITextModel;
type ICodeEditor = monaco.editor.ICodeEditor;

const CONTENT = ['content'];
/** A remote edit's cursor restore, told apart from the user's own cursor moves. */
const REMOTE_EDIT_SOURCE = 'tandem.remote-edit';
const VERIFY_AFTER_MS = 1000;

/**
 * Keeps a Monaco model and a file document's text equal: the user's edits become splices, one
 * `handle.change` per Monaco event; everyone else's arrive as patches and become model edits that keep
 * the user's cursors in place and stay out of Monaco's undo stack. Undo and redo use a history of the
 * user's own transactions (`LocalHistory`), so they never take back a collaborator's work.
 */
export class AutomergeMonacoBinding {
  private history = new LocalHistory();
  private changingDoc = false;
  private changingModel = false;
  private editor: ICodeEditor | null = null;
  private verifyTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly contentListener: monaco.IDisposable;

  constructor(
    private readonly handle: DocHandle<FileDocument>,
    readonly model: ITextModel,
  ) {
    this.contentListener = model.onDidChangeContent((event) => this.onLocalEdit(event));
    handle.on('change', this.onDocChange);
    // Every path to undo and redo (keys, command palette, the Electron menu) ends in the model's methods.
    model.undo = () => this.step(this.history.undo(this.text()));
    model.redo = () => this.step(this.history.redo(this.text()));
    this.verify();
  }

  /** The editor showing this model now, whose cursors remote edits and undo move; null when hidden. */
  show(editor: ICodeEditor | null): void {
    this.editor = editor;
  }

  dispose(): void {
    clearTimeout(this.verifyTimer);
    this.contentListener.dispose();
    this.handle.off('change', this.onDocChange);
  }

  private text(): string {
    return this.handle.doc().content ?? '';
  }

  private onLocalEdit(event: monaco.editor.IModelContentChangedEvent): void {
    if (this.changingModel) return;
    const change = event.changes
      .map((c): TextEdit => ({ offset: c.rangeOffset, deleteCount: c.rangeLength, insert: c.text }))
      .sort((a, b) => a.offset - b.offset);
    const before = this.text();
    // Each of Monaco's changes is relative to the text before the event: apply the last one first.
    this.changeDoc([...change].reverse());
    this.history.record(change, before, Date.now());
    this.verifySoon();
  }

  private readonly onDocChange = ({ doc, patches }: DocHandleChangePayload<FileDocument>): void => {
    if (this.changingDoc) return;
    const text = doc.content ?? '';
    const parsed = editsFromPatches(patches);
    const edits = parsed === 'reset' ? [minimalEdit(this.model.getValue(), text)].filter((edit) => edit !== null) : parsed;
    if (edits.length === 0) return;
    this.history.transform(edits);
    this.changeModel(edits);
    if (this.model.getValueLength() === text.length) this.verifySoon();
    else this.verify();
  };

  private step(edits: TextEdit[] | null): void {
    if (!edits) return;
    this.changeDoc(edits);
    this.changeModel(edits, false);
    // The edits run back to front: the last one is the first in the text, where the undone work began.
    const first = edits.at(-1)!;
    const position = this.model.getPositionAt(first.offset + first.insert.length);
    this.editor?.setPosition(position);
    this.editor?.revealPositionInCenterIfOutsideViewport(position);
  }

  private changeDoc(edits: readonly TextEdit[]): void {
    this.changingDoc = true;
    try {
      this.handle.change((doc) => {
        for (const edit of edits) splice(doc, CONTENT, edit.offset, edit.deleteCount, edit.insert);
      });
    } finally {
      this.changingDoc = false;
    }
  }

  /** Applies sequential edits to the model; with `keepCursors`, the user's selections stay on their text. */
  private changeModel(edits: readonly TextEdit[], keepCursors = true): void {
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
        const range = {
          startLineNumber: start.lineNumber,
          startColumn: start.column,
          endLineNumber: end.lineNumber,
          endColumn: end.column,
        };
        this.model.applyEdits([{ range, text: edit.insert }]);
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
    const text = this.text();
    const edit = minimalEdit(this.model.getValue(), text);
    if (!edit) return;
    console.warn(
      `Tandem: the editor differed from the document (${edit.deleteCount} → ${edit.insert.length} characters at ${edit.offset}); resynced.`,
    );
    this.changeModel([edit]);
    this.history = new LocalHistory();
    // Monaco gives a model one kind of line ending; a document that mixes them takes the model's.
    const normalized = minimalEdit(text, this.model.getValue());
    if (normalized && this.editor && !this.editor.getRawOptions().readOnly) this.changeDoc([normalized]);
  }
}
