// Type-checks each runtime's tsconfig: the isomorphic shared code has neither DOM nor Node types, the
// renderer has the DOM, server and Electron main have Node. `--json FILE` writes results for scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrismaClient } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROJECTS = [
  'shared/tsconfig.json',
  'shared/sandbox/tsconfig.json',
  'server/tsconfig.test.json',
  'desktop/main/tsconfig.json',
  'desktop/preload/tsconfig.json',
  'desktop/renderer/tsconfig.json',
  'e2e/tsconfig.json',
];

export function typecheck() {
  generatePrismaClient();
  return PROJECTS.map((project) => {
    const started = Date.now();
    const result = spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', project, '--noEmit'], { cwd: root, encoding: 'utf8' });
    const ok = result.status === 0;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${ok ? '✓' : '✗'} typecheck ${project} (${seconds} s)\n`);
    if (!ok) process.stdout.write(`${result.stdout}${result.stderr}\n`);
    return { name: `typecheck ${project}`, ok };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = typecheck();
  const jsonIndex = process.argv.indexOf('--json');
  if (jsonIndex > 0) fs.writeFileSync(process.argv[jsonIndex + 1], JSON.stringify(results));
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
