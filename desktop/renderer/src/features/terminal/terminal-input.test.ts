import { describe, expect, it } from 'vitest';
import { splitInput } from '../../services/terminal-connection.js';

describe('splitInput', () => {
  it('cuts a big paste into pieces of at most the size, in order', () => {
    const paste = 'x'.repeat(40_000);
    const pieces = splitInput(paste);
    expect(pieces.map((piece) => piece.length)).toEqual([16_384, 16_384, 7232]);
    expect(pieces.join('')).toBe(paste);
    expect(splitInput('')).toEqual([]);
  });

  it('never cuts a surrogate pair in two', () => {
    // The 16 384th code unit is the first half of an emoji.
    const paste = `${'x'.repeat(16_383)}😀${'y'.repeat(10)}`;
    const pieces = splitInput(paste);
    expect(pieces.map((piece) => piece.length)).toEqual([16_383, 12]);
    expect(pieces[1]!.startsWith('😀')).toBe(true);
    for (const text of [paste, '😀'.repeat(2000), `a${'😀'.repeat(9)}`]) {
      for (const size of [2, 3, 5, 16_384]) {
        const cut = splitInput(text, size);
        expect(cut.join('')).toBe(text);
        for (const piece of cut) {
          expect(piece.length).toBeLessThanOrEqual(size);
          expect(piece).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
        }
      }
    }
  });
});
