// `npm test`: every test — type-check per runtime, lint, unit/integration (Vitest), end-to-end
// (Playwright in Chromium) — then one summary line over all suites: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { typecheck } from './typecheck.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
const suites = [];
const started = Date.now();

function heading(text) {
  process.stdout.write(`\n=== ${text} ===\n`);
}

function check(name, command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const ok = result.status === 0;
  process.stdout.write(`${ok ? '✓' : '✗'} ${name}\n`);
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

heading('type-check');
const typed = typecheck();
suites.push({ name: 'type-check', passed: typed.filter((r) => r.ok).length, failed: typed.filter((r) => !r.ok).length, skipped: 0 });

heading('lint');
const lint = [check('eslint', bin('eslint'), ['.']), check('prettier', bin('prettier'), ['--check', '.', '--log-level', 'warn'])];
suites.push({ name: 'lint', passed: lint.filter(Boolean).length, failed: lint.filter((ok) => !ok).length, skipped: 0 });

heading('build');
build();

heading('unit and integration (Vitest)');
const vitestReport = path.join(reports, 'vitest.json');
spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`], {
  cwd: root,
  stdio: 'inherit',
});
const vitest = readJson(vitestReport);
if (vitest) {
  // A file that fails to load has no tests to count, but it has failed.
  const brokenFiles = vitest.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
  suites.push({
    name: 'vitest',
    passed: vitest.numPassedTests,
    failed: vitest.numFailedTests + brokenFiles,
    skipped: vitest.numPendingTests + vitest.numTodoTests,
  });
} else {
  suites.push({ name: 'vitest (crashed before reporting)', passed: 0, failed: 1, skipped: 0 });
}

heading('end-to-end (Playwright, Chromium)');
const playwrightReport = path.join(reports, 'playwright.json');
spawnSync(bin('playwright'), ['test', '--reporter=list,json'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport },
});
const playwright = readJson(playwrightReport);
if (playwright?.stats) {
  const { expected, unexpected, flaky, skipped } = playwright.stats;
  const setupFailed = (playwright.errors ?? []).length > 0 && expected + unexpected + flaky === 0 ? 1 : 0;
  suites.push({ name: 'playwright', passed: expected + flaky, failed: unexpected + setupFailed, skipped });
} else {
  suites.push({ name: 'playwright (crashed before reporting)', passed: 0, failed: 1, skipped: 0 });
}

heading('summary');
for (const suite of suites) {
  process.stdout.write(`${suite.name}: ${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped\n`);
}
const total = suites.reduce(
  (sum, s) => ({ passed: sum.passed + s.passed, failed: sum.failed + s.failed, skipped: sum.skipped + s.skipped }),
  {
    passed: 0,
    failed: 0,
    skipped: 0,
  },
);
process.stdout.write(`took ${Math.round((Date.now() - started) / 1000)} s\n`);
process.stdout.write(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(total.failed > 0 ? 1 : 0);
