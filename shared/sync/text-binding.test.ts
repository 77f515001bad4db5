import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import {
  editsFromPatches,
  lfView,
  lineBreakOf,
  LocalHistory,
  minimalEdit,
  toDocChange,
  toDocOffset,
  toLfEdits,
  toLfOffset,
  transformOffset,
  type TextEdit,
} from './text-binding.js';

// A type alias, not an interface: Automerge's `from` wants an index signature.
type FileDoc = { content: string };

const applyEdits = (text: string, edits: readonly TextEdit[]) =>
  edits.reduce((result, edit) => result.slice(0, edit.offset) + edit.insert + result.slice(edit.offset + edit.deleteCount), text);

const insert = (offset: number, text: string): TextEdit => ({ offset, deleteCount: 0, insert: text });
const remove = (offset: number, deleteCount: number): TextEdit => ({ offset, deleteCount, insert: '' });

/** One editor on its own copy of a file document: what the Monaco binding does, minus Monaco. */
class Peer {
  readonly history = new LocalHistory();
  clock = 0;
  constructor(public doc: A.Doc<FileDoc>) {}

  static pair(text: string): [Peer, Peer] {
    const base = A.save(A.from<FileDoc>({ content: text }));
    return [new Peer(A.load(base)), new Peer(A.load(base))];
  }

  get text(): string {
    return this.doc.content;
  }

  /** One local transaction, `change` relative to the current text, as one Monaco content event. */
  edit(change: TextEdit[], at = (this.clock += 1000)): void {
    const before = this.text;
    this.splice([...change].reverse());
    this.history.record(change, before, at);
  }

  /** Types `text` at `offset` a code point at a time, 100 ms apart. */
  type(offset: number, text: string): void {
    const start = (this.clock += 1000);
    [...text].reduce((at, char, i) => {
      this.edit([insert(at, char)], start + i * 100);
      return at + char.length;
    }, offset);
  }

  undo(): boolean {
    const edits = this.history.undo(this.text);
    this.splice(edits ?? []);
    return edits !== null;
  }

  redo(): void {
    this.splice(this.history.redo(this.text) ?? []);
  }

  /** Merges the other peer's changes, checking that the patches turn the old text into exactly the new. */
  receive(other: Peer): void {
    const [heads, before] = [A.getHeads(this.doc), this.text];
    this.doc = A.merge(this.doc, other.doc);
    const edits = editsFromPatches(A.diff(this.doc, heads, A.getHeads(this.doc)));
    if (edits === 'reset') throw new Error('a text merge came as a reset');
    expect(applyEdits(before, edits)).toBe(this.text);
    this.history.transform(edits);
  }

  private splice(sequential: readonly TextEdit[]): void {
    if (sequential.length === 0) return;
    this.doc = A.change(this.doc, (d) => {
      for (const edit of sequential) A.splice(d, ['content'], edit.offset, edit.deleteCount, edit.insert);
    });
  }
}

function sync(a: Peer, b: Peer): void {
  a.receive(b);
  b.receive(a);
  expect(a.text).toBe(b.text);
}

/** A small seeded generator, so a failing random case can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

/** A random offset in `text` that does not fall inside a surrogate pair. */
function codePointOffset(text: string, next: (n: number) => number): number {
  const offsets = [0];
  for (const char of text) offsets.push(offsets.at(-1)! + char.length);
  return offsets[next(offsets.length)]!;
}

describe('Automerge text offsets', () => {
  it('are UTF-16 code units, as in Monaco and JavaScript strings', () => {
    let doc = A.from<FileDoc>({ content: 'a😀b' });
    const heads = A.getHeads(doc);
    doc = A.change(doc, (d) => A.splice(d, ['content'], 3, 0, 'X'));
    expect(doc.content).toBe('a😀Xb');
    expect(editsFromPatches(A.diff(doc, heads, A.getHeads(doc)))).toEqual([insert(3, 'X')]);

    const beforeDelete = A.getHeads(doc);
    doc = A.change(doc, (d) => A.splice(d, ['content'], 1, 2, ''));
    expect(doc.content).toBe('aXb');
    expect(editsFromPatches(A.diff(doc, beforeDelete, A.getHeads(doc)))).toEqual([remove(1, 2)]);
  });
});

describe('editsFromPatches', () => {
  it('turns a merge of concurrent edits, emoji and other non-BMP text included, into the same text', () => {
    const [a, b] = Peer.pair('fn main() {\n  print("ok")\n}\n');
    a.edit([insert(0, '// 🦀 crab\n'), remove(3, 4)]);
    b.edit([insert(14, '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 '), insert(21, '👩‍💻')]);
    sync(a, b);
    expect(a.text).toBe('// 🦀 crab\nfn () {\n  𝔘𝔫𝔦𝔠𝔬𝔡𝔢 print("👩‍💻ok")\n}\n');
  });

  it('reproduces the new text for many random concurrent edits', () => {
    const next = random(7);
    const pieces = ['a', 'bc', '😀', '𝔘', '\n', 'é', '👩‍💻', 'xyz'];
    const [a, b] = Peer.pair('start 🌍 end\n');
    for (let round = 0; round < 60; round++) {
      for (const peer of [a, b]) {
        for (let k = next(4); k >= 0; k--) {
          const offset = codePointOffset(peer.text, next);
          const rest = peer.text.slice(offset);
          const deleteCount = next(3) === 0 ? 0 : [...rest].slice(0, next(4)).join('').length;
          peer.edit([{ offset, deleteCount, insert: next(2) ? pieces[next(pieces.length)]! : '' }]);
        }
      }
      sync(a, b);
    }
    expect(a.text.length).toBeGreaterThan(0);
  });

  it("asks for a reset when the whole field is replaced, and ignores other fields' patches", () => {
    let doc = A.from({ content: 'old', title: 'x' });
    const heads = A.getHeads(doc);
    doc = A.change(doc, (d) => {
      d.title = 'y';
    });
    expect(editsFromPatches(A.diff(doc, heads, A.getHeads(doc)))).toEqual([]);
    const beforePut = A.getHeads(doc);
    doc = A.change(doc, (d) => {
      d.content = 'brand new';
    });
    expect(editsFromPatches(A.diff(doc, beforePut, A.getHeads(doc)))).toBe('reset');
  });
});

describe('transformOffset', () => {
  it('leaves my cursor before text inserted exactly at it, and after it with assoc 1', () => {
    expect(transformOffset(5, [insert(5, 'abc')])).toBe(5);
    expect(transformOffset(5, [insert(5, 'abc')], 1)).toBe(8);
  });

  it('follows edits before it, ignores edits after it, and collapses into a deletion around it', () => {
    expect(transformOffset(5, [insert(1, '😀')])).toBe(7);
    expect(transformOffset(5, [insert(6, 'x'), remove(0, 2)])).toBe(3);
    expect(transformOffset(5, [{ offset: 3, deleteCount: 4, insert: 'yy' }])).toBe(3);
    expect(transformOffset(5, [{ offset: 3, deleteCount: 4, insert: 'yy' }], 1)).toBe(5);
  });

  it('keeps to the untouched side at the edge of a replaced range', () => {
    expect(transformOffset(7, [{ offset: 3, deleteCount: 4, insert: 'yy' }])).toBe(5);
    expect(transformOffset(3, [{ offset: 3, deleteCount: 4, insert: 'yy' }], 1)).toBe(3);
  });
});

describe('minimalEdit', () => {
  it('keeps the common start and end', () => {
    expect(minimalEdit('hello world', 'hello brave world')).toEqual(insert(6, 'brave '));
    expect(minimalEdit('abcabc', 'abc')).toEqual(remove(3, 3));
    expect(minimalEdit('same', 'same')).toBeNull();
  });

  it('never splits a surrogate pair', () => {
    // 😀 and 😃 share their high surrogate; 😀 and U+1FA00 share their low one.
    expect(minimalEdit('a😀b', 'a😃b')).toEqual({ offset: 1, deleteCount: 2, insert: '😃' });
    expect(minimalEdit('a😀b', 'a\u{1FA00}b')).toEqual({ offset: 1, deleteCount: 2, insert: '\u{1FA00}' });
  });

  it('turns the old text into the new one', () => {
    const next = random(3);
    const alphabet = ['a', 'b', '😀', '😃', '\u{1FA00}', '\n'];
    const text = () => Array.from({ length: next(8) }, () => alphabet[next(alphabet.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const [before, after] = [text(), text()];
      const edit = minimalEdit(before, after);
      expect(edit ? applyEdits(before, [edit]) : before).toBe(after);
      if (!edit) continue;
      const splitsPair = (text: string, at: number) => /[\uD800-\uDBFF]/.test(text.charAt(at - 1));
      expect([splitsPair(before, edit.offset), splitsPair(before, edit.offset + edit.deleteCount)]).toEqual([false, false]);
      expect(splitsPair(after, edit.offset + edit.insert.length)).toBe(false);
    }
  });
});

describe('LocalHistory', () => {
  it('undoes only my typing after a collaborator typed elsewhere, and redoes it', () => {
    const [a, b] = Peer.pair('print()\n');
    a.type(6, 'hello');
    b.type(8, ' world');
    sync(a, b);
    expect(a.text).toBe('print(hello)\n world');
    a.undo();
    expect(a.text).toBe('print()\n world');
    a.redo();
    expect(a.text).toBe('print(hello)\n world');
  });

  it('undoes only my typing when a collaborator typed inside it', () => {
    const [a, b] = Peer.pair('');
    a.type(0, 'hello');
    sync(a, b);
    b.type(2, '🦀');
    sync(a, b);
    a.undo();
    expect(a.text).toBe('🦀');
    sync(a, b);
    expect(b.text).toBe('🦀');
  });

  it('restores what I deleted where it was, though a collaborator replaced the text before it', () => {
    const [a, b] = Peer.pair('hello cruel world');
    a.edit([remove(5, 6)]);
    b.edit([{ offset: 0, deleteCount: 5, insert: 'goodbye' }, insert(17, '!')]);
    sync(a, b);
    expect(a.text).toBe('goodbye world!');
    a.undo();
    expect(a.text).toBe('goodbye cruel world!');
  });

  it('groups contiguous typing and deleting within 500 ms, and no more', () => {
    const peer = new Peer(A.from({ content: '' }));
    peer.type(0, 'ab');
    peer.type(2, 'cd');
    peer.edit([remove(3, 1)], 10_000);
    peer.edit([remove(2, 1)], 10_200);
    peer.edit([remove(1, 1)], 11_000);
    expect(peer.text).toBe('a');
    peer.undo();
    expect(peer.text).toBe('ab');
    peer.undo();
    expect(peer.text).toBe('abcd');
    peer.undo();
    expect(peer.text).toBe('ab');
    peer.undo();
    expect(peer.text).toBe('');
  });

  it('undoes my own later edits inside my earlier ones in order, around a collaborator', () => {
    const [a, b] = Peer.pair('');
    a.type(0, 'hello');
    a.edit([remove(1, 3)]);
    sync(a, b);
    b.type(0, 'B:');
    sync(a, b);
    a.undo();
    expect(a.text).toBe('B:hello');
    a.undo();
    expect(a.text).toBe('B:');
    a.redo();
    a.redo();
    expect(a.text).toBe('B:ho');
  });

  it('undoes multi-cursor transactions as one', () => {
    const peer = new Peer(A.from({ content: 'x\ny\n' }));
    peer.edit([insert(0, '# '), insert(2, '# ')]);
    expect(peer.text).toBe('# x\n# y\n');
    peer.undo();
    expect(peer.text).toBe('x\ny\n');
  });

  it('after random concurrent typing, undoing all of mine leaves exactly what the others typed', () => {
    const next = random(11);
    const [a, b] = Peer.pair('xxxxxxxx');
    for (let round = 0; round < 40; round++) {
      a.type(codePointOffset(a.text, next), ['a', 'aa', '🅰'][next(3)]!);
      b.type(codePointOffset(b.text, next), ['b', '🅱'][next(2)]!);
      const xs = [...b.text.matchAll(/x/g)];
      if (xs.length > 0 && next(2)) b.edit([remove(xs[next(xs.length)]!.index, 1)]);
      if (next(3)) sync(a, b);
    }
    sync(a, b);
    const expected = a.text.replace(/a|🅰/gu, '');
    while (a.undo());
    expect(a.text).toBe(expected);
  });
});

/** Mulberry32: unlike \`random\`, its low bits do not cycle, so consecutive small draws are independent. */
function mixed(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** A change (sorted, same base) applied: back to front, each edit leaves the offsets before it alone. */
const applyChange = (text: string, change: readonly TextEdit[]) => applyEdits(text, [...change].reverse());

/** A random sorted, non-overlapping change to `text`, touching edits included. */
function randomChange(text: string, next: (n: number) => number, pieces: readonly string[]): TextEdit[] {
  const offsets = [0];
  for (const char of text) offsets.push(offsets.at(-1)! + char.length);
  const cuts = [...new Set(Array.from({ length: 2 * (1 + next(3)) }, () => offsets[next(offsets.length)]!))].sort((a, b) => a - b);
  const change: TextEdit[] = [];
  for (let i = 0; i + 1 < cuts.length || i === 0; i += 2) {
    const [from, to] = [cuts[i]!, cuts[i + 1] ?? cuts[i]!];
    change.push({
      offset: from,
      deleteCount: next(2) ? to - from : 0,
      insert: Array.from({ length: next(3) }, () => pieces[next(pieces.length)]).join(''),
    });
  }
  return change;
}

const loneCr = (text: string) => /\r(?!\n)/.test(text);

/**
 * One editor with an LF model, as the Monaco binding does it: local changes are made to the model and
 * mapped onto the document; the document's changes are mapped onto the model.
 */
class LfPeer {
  model: string;
  constructor(public doc: A.Doc<FileDoc>) {
    this.model = lfView(doc.content);
  }

  static pair(text: string): [LfPeer, LfPeer] {
    const base = A.save(A.from<FileDoc>({ content: text }));
    return [new LfPeer(A.load(base)), new LfPeer(A.load(base))];
  }

  edit(change: TextEdit[]): void {
    const docChange = toDocChange(this.doc.content, change);
    this.doc = A.change(this.doc, (d) => {
      for (const edit of [...docChange].reverse()) A.splice(d, ['content'], edit.offset, edit.deleteCount, edit.insert);
    });
    this.model = applyChange(this.model, change);
    expect(lfView(this.doc.content)).toBe(this.model);
  }

  receive(other: LfPeer): void {
    const [heads, before] = [A.getHeads(this.doc), this.doc.content];
    this.doc = A.merge(this.doc, other.doc);
    const edits = editsFromPatches(A.diff(this.doc, heads, A.getHeads(this.doc)));
    if (edits === 'reset') throw new Error('a text merge came as a reset');
    this.model = applyEdits(this.model, toLfEdits(before, edits, this.doc.content));
    expect(this.model).toBe(lfView(this.doc.content));
  }
}

describe('line endings: an LF model over a document that keeps its own', () => {
  it('shows \\r\\n and a lone \\r as \\n, and maps offsets both ways without splitting a pair', () => {
    const text = 'a\r\nb\rc\n\r\n';
    expect(lfView(text)).toBe('a\nb\nc\n\n');
    // Inside a pair (2 and 8), a document offset is at its line break's start.
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((offset) => toLfOffset(text, offset))).toEqual([0, 1, 1, 2, 3, 4, 5, 6, 6, 7]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((offset) => toDocOffset(text, offset))).toEqual([0, 1, 3, 4, 5, 6, 7, 9]);
    expect(toDocOffset(text, 99)).toBe(text.length);
    expect(toLfOffset('plain\n', 3)).toBe(3);
  });

  it('spells new lines as the document does, and deletes a \\r\\n whole', () => {
    const windows = 'one\r\ntwo\r\n';
    expect(lineBreakOf(windows)).toBe('\r\n');
    expect(lineBreakOf('one\ntwo\r\n')).toBe('\n');
    // Enter at the end of "one" (LF offset 3), then Backspace over the line break after "two".
    expect(applyChange(windows, toDocChange(windows, [insert(3, '\nx')]))).toBe('one\r\nx\r\ntwo\r\n');
    expect(applyChange(windows, toDocChange(windows, [remove(7, 1)]))).toBe('one\r\ntwo');
    // Typing at the start of a line goes after the \n, not between \r and \n.
    expect(toDocChange(windows, [insert(4, 'X')])).toEqual([insert(5, 'X')]);
    // A Mac or Linux document gets \n, whatever the model was given.
    expect(toDocChange('a\nb', [insert(1, '\r\n')])).toEqual([insert(1, '\n')]);
  });

  it('never lets a lone \\r pair up with a \\n after an edit', () => {
    // "a\rb\nc": deleting the b would leave "\r\n", one line break where the model shows two.
    const text = 'a\rb\nc';
    const change = [remove(2, 1)];
    const result = applyChange(text, toDocChange(text, change));
    expect(lfView(result)).toBe(applyChange(lfView(text), change));
    expect(lfView(applyChange('a\rb', toDocChange('a\rb', [insert(2, '\n')])))).toBe('a\n\nb');
  });

  it('maps random model changes onto documents with mixed line endings, and never adds a lone \\r', () => {
    const next = mixed(5);
    const alphabet = ['a', '\r\n', '\n', '\r', '\r', '😀'];
    const pieces = ['x', '\n', '😃', 'yz'];
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: next(10) }, () => alphabet[next(alphabet.length)]).join('');
      const change = randomChange(lfView(text), next, pieces);
      const docChange = toDocChange(text, change);
      const result = applyChange(text, docChange);
      expect(lfView(result)).toBe(applyChange(lfView(text), change));
      docChange.forEach(
        (edit, k) => k > 0 && expect(edit.offset).toBeGreaterThanOrEqual(docChange[k - 1]!.offset + docChange[k - 1]!.deleteCount),
      );
      if (!loneCr(text)) expect(loneCr(result)).toBe(false);
    }
  });

  it('maps random document edits, pairs split and joined included, onto the model', () => {
    const next = mixed(9);
    const alphabet = ['a', '\r\n', '\n', '\r', '😀'];
    for (let i = 0; i < 2000; i++) {
      let text = Array.from({ length: next(10) }, () => alphabet[next(alphabet.length)]).join('');
      const before = text;
      const edits: TextEdit[] = [];
      for (let k = next(4); k >= 0; k--) {
        const offset = codePointOffset(text, next);
        const deleteCount = Math.min(next(3), text.length - offset);
        const edit = { offset, deleteCount, insert: Array.from({ length: next(3) }, () => alphabet[next(alphabet.length)]).join('') };
        edits.push(edit);
        text = applyEdits(text, [edit]);
      }
      expect(applyEdits(lfView(before), toLfEdits(before, edits, text))).toBe(lfView(text));
    }
  });

  it('keeps a Windows file CRLF and every model equal to its view, through concurrent editing', () => {
    const next = mixed(13);
    const [a, b] = LfPeer.pair('line one\r\nline two\r\n');
    for (let round = 0; round < 60; round++) {
      for (const peer of [a, b]) peer.edit(randomChange(peer.model, next, ['x', '\n', 'é', '\n\n']));
      if (next(3)) {
        a.receive(b);
        b.receive(a);
      }
    }
    a.receive(b);
    b.receive(a);
    expect(a.doc.content).toBe(b.doc.content);
    expect(a.model).toBe(b.model);
    expect(a.doc.content.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('leaves the text alone when nothing but the model differs in line endings', () => {
    // What each client's model holds for the same Windows document: no edit, so nothing to write.
    const text = 'a\r\nb\r\n';
    expect(minimalEdit(lfView(text), 'a\nb\n')).toBeNull();
    expect(toDocChange(text, [])).toEqual([]);
  });
});
