import type { Patch, Prop } from '@automerge/automerge-repo/slim';

/**
 * The editor-independent half of binding a text editor to an Automerge text field. Offsets are UTF-16 code
 * units, the unit of both JavaScript Automerge text indexes and Monaco offsets.
 *
 * A list of edits is either *sequential* (each edit applies to the text the previous one produced: what
 * Automerge patches describe) or a *change*: edits sorted by offset, not overlapping, all relative to the
 * same text (what one Monaco content event describes). A change applied back to front is also sequential.
 */
export interface TextEdit {
  offset: number;
  deleteCount: number;
  insert: string;
}

/** Which side of text inserted exactly at an offset the offset ends up on: -1 before it, 1 after it. */
export type Assoc = -1 | 1;

/**
 * The text edits, in sequence, that Automerge patches make to the string at `path`; 'reset' when some patch
 * is not a text splice or deletion there (the field was replaced, e.g. by a REST PUT, or removed), so the
 * editor must be brought to the document's new text as a whole (see `minimalEdit`).
 */
export function editsFromPatches(patches: readonly Patch[], path: readonly Prop[] = ['content']): TextEdit[] | 'reset' {
  const edits: TextEdit[] = [];
  for (const patch of patches) {
    if (!startsWith(patch.path, path)) continue;
    const index = patch.path[path.length];
    if (patch.path.length === path.length + 1 && typeof index === 'number') {
      if (patch.action === 'splice') {
        edits.push({ offset: index, deleteCount: 0, insert: patch.value });
        continue;
      }
      if (patch.action === 'del') {
        edits.push({ offset: index, deleteCount: patch.length ?? 1, insert: '' });
        continue;
      }
    }
    if (patch.action === 'mark' || patch.action === 'unmark') continue;
    return 'reset';
  }
  return edits;
}

function startsWith(path: readonly Prop[], prefix: readonly Prop[]): boolean {
  return path.length >= prefix.length && prefix.every((prop, i) => path[i] === prop);
}

/** Where `offset` ends up once `edits` (sequential) are applied. */
export function transformOffset(offset: number, edits: readonly TextEdit[], assoc: Assoc = -1): number {
  return edits.reduce((position, edit) => mapOffset(position, edit, assoc), offset);
}

function mapOffset(offset: number, edit: TextEdit, assoc: Assoc): number {
  const end = edit.offset + edit.deleteCount;
  if (offset < edit.offset) return offset;
  if (offset > end) return offset + edit.insert.length - edit.deleteCount;
  // At the edge of a deletion the offset keeps to the untouched text on that side.
  if (edit.deleteCount > 0 && offset === edit.offset) return offset;
  if (edit.deleteCount > 0 && offset === end) return edit.offset + edit.insert.length;
  return assoc < 0 ? edit.offset : edit.offset + edit.insert.length;
}

/** The one edit that turns `oldText` into `newText`, keeping their common start and end; null when equal. */
export function minimalEdit(oldText: string, newText: string): TextEdit | null {
  if (oldText === newText) return null;
  const shorter = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < shorter && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && isHighSurrogate(oldText.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (suffix < shorter - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(oldText.charCodeAt(oldText.length - suffix))) suffix--;
  return { offset: prefix, deleteCount: oldText.length - prefix - suffix, insert: newText.slice(prefix, newText.length - suffix) };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/*
 * Line endings. An editor model is pinned to LF: Monaco turns every line break it is given (`\r\n`, a lone
 * `\r`, `\n`) into the model's one kind, so a model cannot hold a document that spells them otherwise, and
 * an empty model would otherwise take the platform's (CRLF on Windows). The document is never rewritten to
 * suit the editor: it keeps its line endings as they are, the model shows `lfView(text)`, and offsets are
 * mapped between the two. New line breaks typed into a document are spelled as its first line break is
 * (`\r\n` in a Windows file), so editing a CRLF file keeps it CRLF for everyone.
 *
 * "LF offsets" are offsets into `lfView(text)`; a `\r\n` is one character there. The functions below cost
 * one scan of the text for `\r` when it has none, which is nearly always.
 */

/** The text as an LF editor model shows it: every `\r\n`, and every lone `\r`, becomes `\n`. */
export function lfView(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Where `\r\n` pairs start in `text`, in order. */
function crlfStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = text.indexOf('\r\n'); at !== -1; at = text.indexOf('\r\n', at + 2)) starts.push(at);
  return starts;
}

/** How many of the sorted `values` are below `limit`. */
function countBelow(values: readonly number[], limit: (value: number, index: number) => boolean): number {
  let [low, high] = [0, values.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (limit(values[middle]!, middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The LF offset of document offset `offset`; between the `\r` and `\n` of a pair, the line break's start. */
export function toLfOffset(text: string, offset: number): number {
  const clamped = Math.max(0, Math.min(offset, text.length));
  if (!text.includes('\r\n')) return clamped;
  return clamped - countBelow(crlfStarts(text), (start) => start < clamped);
}

/** The document offset of LF offset `offset`: at a `\r\n` line break, before its `\r`. */
export function toDocOffset(text: string, offset: number): number {
  const starts = text.includes('\r\n') ? crlfStarts(text) : [];
  const clamped = Math.max(0, Math.min(offset, text.length - starts.length));
  // The pair i sits at LF offset start - i.
  return clamped + countBelow(starts, (start, i) => start - i < clamped);
}

/** The line break new lines take in `text`: its first one's, `\n` when it has none. */
export function lineBreakOf(text: string): '\n' | '\r\n' {
  const lf = text.indexOf('\n');
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * A change made to `lfView(text)` (sorted, all relative to it, as one LF model content event) as the change
 * to `text` (sorted, all relative to `text`) that gives the same view, touching no line break the change
 * did not: `lfView(apply(text, result)) === apply(lfView(text), change)`.
 */
export function toDocChange(text: string, change: readonly TextEdit[]): TextEdit[] {
  if (!text.includes('\r')) return change.map((edit) => ({ ...edit, insert: lfView(edit.insert) }));
  const starts = crlfStarts(text);
  const docOffset = (lf: number) => lf + countBelow(starts, (start, i) => start - i < lf);
  const lineBreak = lineBreakOf(text);
  const ranges: TextEdit[] = [];
  for (const edit of change) {
    const from = docOffset(edit.offset);
    const to = docOffset(edit.offset + edit.deleteCount);
    const insert = lfView(edit.insert);
    const last = ranges.at(-1);
    // Touching edits become one, so each edit's neighbours below are the document's own characters.
    if (last && last.offset + last.deleteCount === from)
      ranges[ranges.length - 1] = { ...last, deleteCount: to - last.offset, insert: last.insert + insert };
    else ranges.push({ offset: from, deleteCount: to - from, insert });
  }
  return ranges.map(({ offset, deleteCount, insert }) => {
    let spelled = lineBreak === '\n' ? insert : insert.replaceAll('\n', '\r\n');
    const end = offset + deleteCount;
    // From an LF offset, `from` and `to` never split a pair; only a lone `\r` before the edit could pair
    // with a `\n` after it (one inserted, or the document's once the edit deletes all in between).
    if (text[offset - 1] === '\r') {
      if (spelled.startsWith('\n')) spelled = `\r${spelled}`;
      else if (spelled === '' && text[end] === '\n') return { offset, deleteCount: deleteCount + 1, insert: '\r\n' };
    }
    return { offset, deleteCount, insert: spelled };
  });
}

/** Above this many edits in one document change, the LF view gets one edit for all of them. */
const MAX_MAPPED_EDITS = 200;

/**
 * Sequential edits that took the document from `before` to `after`, as sequential edits that take
 * `lfView(before)` to `lfView(after)`.
 */
export function toLfEdits(before: string, edits: readonly TextEdit[], after: string): TextEdit[] {
  if (!before.includes('\r') && !edits.some((edit) => edit.insert.includes('\r'))) return [...edits];
  if (edits.length > MAX_MAPPED_EDITS) return [minimalEdit(lfView(before), lfView(after))].filter((edit) => edit !== null);
  const mapped: TextEdit[] = [];
  let text = before;
  for (const edit of edits) {
    const editEnd = edit.offset + edit.deleteCount;
    // Widened by a `\r` before and a `\n` after, the window starts and ends outside any pair, before the
    // edit and after it, so its view does not depend on the text around it.
    const from = text[edit.offset - 1] === '\r' ? edit.offset - 1 : edit.offset;
    const to = text[editEnd] === '\n' ? editEnd + 1 : editEnd;
    const next = text.slice(0, edit.offset) + edit.insert + text.slice(editEnd);
    const change = minimalEdit(lfView(text.slice(from, to)), lfView(next.slice(from, to + edit.insert.length - edit.deleteCount)));
    if (change) mapped.push({ ...change, offset: change.offset + toLfOffset(text, from) });
    text = next;
  }
  return mapped;
}

/**
 * My own undo and redo, in a document others edit too. Each entry is the change that undoes one of my
 * transactions, relative to the text as it will be once every later entry is undone. A collaborator's
 * edits are rebased past each entry in turn (operational transformation, as CodeMirror's history does),
 * so undo removes only the text I typed, wherever theirs landed, and restores only what I deleted.
 */
export class LocalHistory {
  private undoStack: TextEdit[][] = [];
  private redoStack: TextEdit[][] = [];
  private lastRecordAt = -Infinity;

  constructor(
    /** Contiguous typing, or deleting, within this many milliseconds is undone as one. */
    private readonly groupMs = 500,
    private readonly limit = 500,
  ) {}

  /** A local transaction: `change` (sorted, all relative to `textBefore`) was just made to `textBefore`. */
  record(change: readonly TextEdit[], textBefore: string, now: number): void {
    const inverse = invert(change, textBefore);
    if (inverse.length === 0) return;
    this.redoStack = [];
    const top = this.undoStack.at(-1);
    const grouped = top && now - this.lastRecordAt <= this.groupMs ? group(inverse, top) : null;
    if (grouped) this.undoStack[this.undoStack.length - 1] = grouped;
    else if (this.undoStack.push(inverse) > this.limit) this.undoStack.shift();
    this.lastRecordAt = now;
  }

  /** Someone else's edits (sequential) were just applied. */
  transform(edits: readonly TextEdit[]): void {
    this.undoStack = rebaseStack(this.undoStack, edits);
    this.redoStack = rebaseStack(this.redoStack, edits);
  }

  /** The edits (sequential) that undo my last transaction in `text`, the current text; null if none is left. */
  undo(text: string): TextEdit[] | null {
    return this.step(this.undoStack, this.redoStack, text);
  }

  redo(text: string): TextEdit[] | null {
    return this.step(this.redoStack, this.undoStack, text);
  }

  private step(from: TextEdit[][], to: TextEdit[][], text: string): TextEdit[] | null {
    const change = from.pop();
    if (!change) return null;
    to.push(invert(change, text));
    this.lastRecordAt = -Infinity;
    return [...change].reverse();
  }
}

/** The change that takes the text `change` produced from `textBefore` back to `textBefore`. */
function invert(change: readonly TextEdit[], textBefore: string): TextEdit[] {
  const inverse: TextEdit[] = [];
  let shift = 0;
  for (const edit of change) {
    const deleted = textBefore.slice(edit.offset, edit.offset + edit.deleteCount);
    if (deleted !== edit.insert) inverse.push({ offset: edit.offset + shift, deleteCount: edit.insert.length, insert: deleted });
    shift += edit.insert.length - edit.deleteCount;
  }
  return inverse;
}

/**
 * One undo entry for two transactions when the newer continues the older: typing on after it, or
 * deleting further back (Backspace) or forward (Delete). `newer` undoes the latest transaction; `older`
 * is the entry below it, relative to the text before the latest one.
 */
function group(newer: readonly TextEdit[], older: readonly TextEdit[]): TextEdit[] | null {
  if (newer.length !== 1 || older.length !== 1) return null;
  const [a, b] = [newer[0]!, older[0]!];
  if (a.insert === '' && a.offset === b.offset + b.deleteCount) return [{ ...b, deleteCount: b.deleteCount + a.deleteCount }];
  if (a.deleteCount > 0 || b.deleteCount > 0) return null;
  if (a.offset + a.insert.length === b.offset) return [{ offset: a.offset, deleteCount: 0, insert: a.insert + b.insert }];
  if (a.offset === b.offset) return [{ ...b, insert: b.insert + a.insert }];
  return null;
}

/** Rebases remote `edits`, made on top of every entry, past each entry from the newest down. */
function rebaseStack(stack: readonly TextEdit[][], edits: readonly TextEdit[]): TextEdit[][] {
  const rebased: TextEdit[][] = [];
  let pending = edits;
  for (let i = stack.length - 1; i >= 0; i--) {
    const { change, edits: below } = rebase(stack[i]!, pending);
    if (change.length > 0) rebased.unshift(change);
    pending = below;
  }
  return rebased;
}

/**
 * `change` and sequential `edits` both start from the same text. Returns `change` as it applies after
 * `edits`, and `edits` as they apply after `change`: both orders end with the same text. Where both insert
 * at the same offset, the change's text comes first.
 */
function rebase(change: readonly TextEdit[], edits: readonly TextEdit[]): { change: TextEdit[]; edits: TextEdit[] } {
  let current = [...change];
  const rebased: TextEdit[] = [];
  for (const edit of edits) {
    let mapped = [edit];
    // A change applied back to front is a sequence of edits, each leaving the offsets before it alone.
    for (let i = current.length - 1; i >= 0; i--) mapped = mapChange(mapped, current[i]!, false);
    rebased.push(...mapped.reverse());
    current = mapChange(current, edit, true);
  }
  return { change: current, edits: rebased };
}

/**
 * `change` as it applies after `edit` (both relative to the same text). The text a piece of the change
 * deletes loses what `edit` already deleted, and is split around what `edit` inserts inside it, so the
 * change never deletes the other side's text.
 */
function mapChange(change: readonly TextEdit[], edit: TextEdit, changeFirst: boolean): TextEdit[] {
  const mapped: TextEdit[] = [];
  const push = (piece: TextEdit) => {
    const last = mapped.at(-1);
    if (piece.deleteCount === 0 && piece.insert === '') return;
    if (last && last.offset + last.deleteCount === piece.offset) {
      mapped[mapped.length - 1] = {
        offset: last.offset,
        deleteCount: last.deleteCount + piece.deleteCount,
        insert: last.insert + piece.insert,
      };
    } else mapped.push(piece);
  };
  const editEnd = edit.offset + edit.deleteCount;
  const inserted = edit.insert.length;
  for (const piece of change) {
    const from = piece.offset;
    const to = from + piece.deleteCount;
    if (piece.deleteCount === 0) push({ ...piece, offset: mapOffset(from, edit, changeFirst ? -1 : 1) });
    else if (to <= edit.offset) push(piece);
    else if (from >= editEnd) push({ ...piece, offset: from + inserted - edit.deleteCount });
    else {
      const before = Math.max(0, Math.min(to, edit.offset) - from);
      const after = Math.max(0, to - Math.max(from, editEnd));
      if (before > 0 && after > 0 && inserted > 0) {
        push({ offset: from, deleteCount: before, insert: piece.insert });
        push({ offset: edit.offset + inserted, deleteCount: after, insert: '' });
      } else {
        const offset = before > 0 ? from : after > 0 || !changeFirst ? edit.offset + inserted : edit.offset;
        push({ offset, deleteCount: before + after, insert: piece.insert });
      }
    }
  }
  return mapped;
}
