import { describe, expect, it } from 'vitest';
import { buildTree, joinPath, parentOf } from './file-tree.js';

describe('file tree', () => {
  it('nests paths into folders, folders first, each sorted by name', () => {
    const tree = buildTree(['src/b.py', 'main.py', 'src/a.py', 'src/lib/x.py', 'a.txt']);
    expect(tree.files.map((f) => f.name)).toEqual(['a.txt', 'main.py']);
    expect(tree.folders.map((f) => f.path)).toEqual(['src']);
    const src = tree.folders[0]!;
    expect(src.files.map((f) => f.path)).toEqual(['src/a.py', 'src/b.py']);
    expect(src.folders.map((f) => f.path)).toEqual(['src/lib']);
    expect(src.folders[0]!.files.map((f) => f.path)).toEqual(['src/lib/x.py']);
  });

  it('shows empty folders made on this screen, merged with real ones', () => {
    const tree = buildTree(['src/a.py'], ['src', 'src/new', 'docs']);
    expect(tree.folders.map((f) => f.path)).toEqual(['docs', 'src']);
    expect(tree.folders[1]!.folders.map((f) => f.path)).toEqual(['src/new']);
    expect(tree.folders[1]!.files).toHaveLength(1);
  });

  it('splits and joins paths', () => {
    expect(parentOf('a/b/c.py')).toBe('a/b');
    expect(parentOf('c.py')).toBe('');
    expect(joinPath('', 'c.py')).toBe('c.py');
    expect(joinPath('a/b', 'c.py')).toBe('a/b/c.py');
  });
});
