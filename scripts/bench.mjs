// `npm run bench -- <name>`: runs server/bench/<name>.ts, which prints a table and writes bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrismaClient } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const available = fs
  .readdirSync(path.join(root, 'server/bench'))
  .filter((f) => f.endsWith('.ts') && f !== 'stats.ts')
  .map((f) => f.slice(0, -3));
const names = process.argv.slice(2);
if (names.length === 0 || names.some((name) => !available.includes(name))) {
  process.stderr.write(`Usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(2);
}
generatePrismaClient();
for (const name of names) {
  const result = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'server/bench', `${name}.ts`)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
