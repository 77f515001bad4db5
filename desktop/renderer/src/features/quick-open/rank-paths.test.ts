import { describe, expect, it } from 'vitest';
import { rankPaths } from './rank-paths.js';

describe('quick open ranking', () => {
  const paths = ['src/main.py', 'src/utils/maths.py', 'docs/manual.md', 'README.md', 'tests/test_main.py'];

  it('keeps only paths holding the query\u2019s characters in order, ignoring case and spaces', () => {
    expect(rankPaths(paths, 'MAIN')).toEqual(['src/main.py', 'tests/test_main.py']);
    expect(rankPaths(paths, 'rd me')).toEqual(['README.md']);
    expect(rankPaths(paths, 'zzz')).toEqual([]);
  });

  it('puts a match in the file name before one spread over folders', () => {
    expect(rankPaths(paths, 'ma')[0]).toBe('src/main.py');
    expect(rankPaths(paths, 'mapy')).toEqual(['src/main.py', 'src/utils/maths.py', 'tests/test_main.py']);
  });

  it('lists everything, sorted, for an empty query', () => {
    expect(rankPaths(paths, ' ')).toEqual([...paths].sort());
  });
});
