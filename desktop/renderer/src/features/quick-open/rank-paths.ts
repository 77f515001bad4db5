/**
 * Paths whose characters contain the query's in order (as editors' quick open does), best first: matches
 * in the file name beat matches in folders, consecutive and word-start matches beat scattered ones.
 */
export function rankPaths(paths: readonly string[], query: string): string[] {
  const needle = query.trim().toLowerCase().replace(/\s+/g, '');
  if (!needle) return [...paths].sort();
  const scored: Array<{ path: string; score: number }> = [];
  for (const path of paths) {
    const score = scoreOf(path.toLowerCase(), needle);
    if (score !== null) scored.push({ path, score });
  }
  return scored.sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path)).map(({ path }) => path);
}

function scoreOf(path: string, needle: string): number | null {
  const nameStart = path.lastIndexOf('/') + 1;
  let score = 0;
  let at = -1;
  for (const char of needle) {
    const found = path.indexOf(char, at + 1);
    if (found < 0) return null;
    if (found === at + 1) score += 3;
    if (found >= nameStart) score += 2;
    if (found === 0 || '/._-'.includes(path[found - 1] as string)) score += 2;
    at = found;
  }
  return score;
}
