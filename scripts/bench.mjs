// `npm run bench -- <name>`: runs <name>.ts from server/bench or desktop/main/bench, which prints a table and writes
// bench-results/<name>.json. The two folders stay apart because the server and the desktop app never import each other.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrismaClient } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DIRS = ['server/bench', 'desktop/main/bench'];

/** Bench name → its file; a name in both folders would make `npm run bench -- <name>` ambiguous, so it is refused. */
const benches = new Map();
for (const dir of BENCH_DIRS) {
  for (const file of fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const name = file.slice(0, -3);
    if (benches.has(name)) {
      process.stderr.write(`Two benchmarks are called "${name}": ${benches.get(name)} and ${dir}/${file}. Rename one of them.\n`);
      process.exit(2);
    }
    benches.set(name, `${dir}/${file}`);
  }
}
const names = process.argv.slice(2);
if (names.length === 0 || names.some((name) => !benches.has(name))) {
  process.stderr.write(`Usage: npm run bench -- <${[...benches.keys()].join('|')}>\n`);
  process.exit(2);
}
// Only the server's benches start the server, which needs the generated Prisma client.
if (names.some((name) => benches.get(name).startsWith('server/'))) generatePrismaClient();
for (const name of names) {
  const result = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, benches.get(name))], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
