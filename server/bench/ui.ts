// `npm run bench -- ui`: the IDE as people use it, in Chromium against `npm start`'s server on loopback.
// Keystroke-to-peer latency (one browser types, the other's editor shows it), time to open a project of
// 100 files to an editable editor, and the size of the JavaScript a first visit loads (gzip).
import { chromium, type Browser, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { AuthResponse, FilesResponse, ProjectResponse } from '../../shared/protocol/index.js';
import { median, percentile, round } from '../../shared/sandbox/bench-stats.js';
import { CHROMIUM_ARGS, chromiumPath } from '../test-support/chromium.js';
import { createTestDatabase } from '../test-support/databases.js';

const root = path.resolve(import.meta.dirname, '../..');
const PORT = Number(process.env.UI_BENCH_PORT ?? 4630);
const BASE = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'benchmarking passphrase 42';
const KEYSTROKES = 200;
const KEY_INTERVAL_MS = 1000 / 30;
const FILES = 100;
const OPENS = 7;
const TARGETS = { keystrokeMedianMs: 50, openMs: 1500, initialJsGzipBytes: 1.5 * 1024 * 1024 };

const log = (message: string) => process.stderr.write(`[ui bench] ${message}\n`);
// `npm start`'s embedded database by default; with DATABASE_URL, a fresh PostgreSQL database (as a team server runs).
const database = await createTestDatabase(process.env.DATABASE_URL ? 'postgres' : 'embedded');
const dataDir = database.dataDir;
log(`database: ${database.kind === 'postgres' ? 'PostgreSQL (a fresh database from DATABASE_URL)' : 'embedded (DATABASE_URL is unset)'}`);

// ---------------------------------------------------------------------------------------------------------
// The server, as `npm start` runs it, on a fresh embedded database.
log('building and starting the server (npm start)…');
const server = spawn(process.execPath, ['scripts/start.mjs'], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: database.url ?? '',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    TANDEM_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
process.on('exit', () => server.kill('SIGKILL'));
const deadline = Date.now() + 180_000;
for (;;) {
  const ready = await fetch(`${BASE}/health/ready`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  if (Date.now() > deadline || server.exitCode !== null) throw new Error('the server did not become ready');
  await new Promise((resolve) => setTimeout(resolve, 250));
}

async function api<T>(
  method: string,
  route: string,
  token: string | null,
  body?: unknown,
  parse?: { parse(value: unknown): T },
): Promise<T> {
  const response = await fetch(`${BASE}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return parse ? parse.parse(await response.json()) : (undefined as T);
}

const register = (username: string) =>
  api('POST', '/api/auth/register', null, { username, email: `${username}@example.com`, password: PASSWORD }, AuthResponse);
const suffix = Date.now().toString(36);
const typist = await register(`typist-${suffix}`);
const watcher = await register(`watcher-${suffix}`);
const { project } = await api('POST', '/api/projects', typist.accessToken, { name: 'UI bench', template: 'python' }, ProjectResponse);
await api('POST', `/api/projects/${project.id}/members`, typist.accessToken, { login: watcher.user.username, role: 'editor' });
log(`creating ${FILES - 1} more files…`);
for (let index = 1; index < FILES; index += 1) {
  const content = `# module ${index}\n` + `def f${index}(x):\n    return x * ${index}\n`.repeat(20);
  await api('POST', `/api/projects/${project.id}/files`, typist.accessToken, { path: `pkg${index % 10}/module_${index}.py`, content });
}
const listing = await api('GET', `/api/projects/${project.id}/files`, typist.accessToken, undefined, FilesResponse);
if (listing.files.length !== FILES) throw new Error(`expected ${FILES} files, found ${listing.files.length}`);

// ---------------------------------------------------------------------------------------------------------
// Browsers
const browser: Browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: CHROMIUM_ARGS,
});

async function signedInPage(username: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('signed-in-user').waitFor();
  return page;
}

/** Navigates to the project and waits until main.py can be typed in. */
async function openProject(page: Page): Promise<number> {
  const started = performance.now();
  await page.goto(`/projects/${project.id}`);
  await page.locator('[data-testid="editor"][data-path="main.py"] .view-lines').getByText('Hello, world!').waitFor();
  await page.locator('[data-testid="editor"][data-path="main.py"] textarea').waitFor({ state: 'attached' });
  return performance.now() - started;
}

log('open a project of 100 files…');
const opener = await signedInPage(watcher.user.username);
const opens: number[] = [];
/** Until the offline shell is installed (it downloads the whole build a few seconds after the first visit). */
const offlineShellInstalled = (page: Page) => page.evaluate('navigator.serviceWorker.ready.then(() => true)');

// The first open is a first visit; the others are steady state, once the offline shell has installed.
opens.push(await openProject(opener));
await offlineShellInstalled(opener);
for (let index = 1; index < OPENS; index += 1) opens.push(await openProject(opener));
const firstOpenMs = opens[0]!;
const warmOpens = opens.slice(1);

log(`keystroke to peer: ${KEYSTROKES} characters at 30 a second…`);
const typistPage = await signedInPage(typist.user.username);
await openProject(typistPage);
await offlineShellInstalled(typistPage);
const watcherPage = opener;
await typistPage.locator('[data-testid="editor"] .view-lines').click();
await typistPage.keyboard.press('ControlOrMeta+End');
await typistPage.keyboard.press('Enter');
// Both pages share the machine's clock: the typist notes when each key goes down, the watcher when its
// editor's text first shows that many marker characters.
await typistPage.evaluate(`window.__sent = []; window.addEventListener('keydown', () => window.__sent.push(Date.now()), true)`);
await watcherPage.evaluate(`(() => {
  window.__seen = [];
  const lines = document.querySelector('[data-testid="editor"] .view-lines');
  const count = () => (lines.textContent.match(/q/g) || []).length;
  new MutationObserver(() => {
    const now = Date.now();
    for (let n = count(); window.__seen.length < n; ) window.__seen.push(now);
  }).observe(lines, { subtree: true, childList: true, characterData: true });
})()`);
for (let index = 0; index < KEYSTROKES; index += 1) {
  const next = performance.now() + KEY_INTERVAL_MS;
  await typistPage.keyboard.press('q');
  const wait = next - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
// A function, not a string: the app's CSP forbids eval, which Playwright uses for string predicates.
await watcherPage.waitForFunction((count) => ((globalThis as unknown as { __seen?: number[] }).__seen?.length ?? 0) >= count, KEYSTROKES, {
  timeout: 30_000,
});
const sent = (await typistPage.evaluate('window.__sent')) as number[];
const seen = (await watcherPage.evaluate('window.__seen')) as number[];
const latencies = seen.slice(0, KEYSTROKES).map((at, index) => at - (sent[index] as number));

await browser.close();
server.kill('SIGTERM');

// ---------------------------------------------------------------------------------------------------------
// What a first visit downloads: index.html's scripts, their static imports (modulepreload) and CSS.
const rendererDir = path.join(root, 'dist/renderer');
const indexHtml = fs.readFileSync(path.join(rendererDir, 'index.html'), 'utf8');
const initialFiles = [...indexHtml.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(path.join(rendererDir, file)), { level: 9 }).length;
const initialJs = initialFiles.filter((file) => file.endsWith('.js'));
const initialJsGzip = initialJs.reduce((sum, file) => sum + gzipSize(file), 0);
const allJs = fs.readdirSync(path.join(rendererDir, 'assets')).filter((file) => file.endsWith('.js'));
const allJsGzip = allJs.reduce((sum, file) => sum + gzipSize(`assets/${file}`), 0);

const kib = (bytes: number) => `${round(bytes / 1024)} KiB`;
const rows: Array<[string, string, string, boolean | null]> = [
  [
    'keystroke to peer, median',
    `${round(median(latencies))} ms`,
    `< ${TARGETS.keystrokeMedianMs} ms`,
    median(latencies) < TARGETS.keystrokeMedianMs,
  ],
  ['keystroke to peer, p95', `${round(percentile(latencies, 95))} ms`, '', null],
  ['keystroke to peer, max', `${round(Math.max(...latencies))} ms`, '', null],
  ['open 100-file project, first (cold cache)', `${round(firstOpenMs)} ms`, `< ${TARGETS.openMs} ms`, firstOpenMs < TARGETS.openMs],
  [
    `open 100-file project, median of ${warmOpens.length} more`,
    `${round(median(warmOpens))} ms`,
    `< ${TARGETS.openMs} ms`,
    median(warmOpens) < TARGETS.openMs,
  ],
  ['initial JS (gzip)', kib(initialJsGzip), `< ${kib(TARGETS.initialJsGzipBytes)}`, initialJsGzip < TARGETS.initialJsGzipBytes],
  ['all JS incl. lazy Monaco/xterm (gzip)', kib(allJsGzip), '', null],
];
const width = [0, 1, 2].map((column) => Math.max(...rows.map((row) => String(row[column]).length), 8));
process.stdout.write(`\n${'measure'.padEnd(width[0]!)}  ${'value'.padEnd(width[1]!)}  ${'target'.padEnd(width[2]!)}  met\n`);
for (const [name, value, target, met] of rows) {
  process.stdout.write(
    `${name.padEnd(width[0]!)}  ${value.padEnd(width[1]!)}  ${target.padEnd(width[2]!)}  ${met === null ? '' : met ? 'yes' : 'NO'}\n`,
  );
}
const out = path.join(root, 'bench-results', 'ui.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  `${JSON.stringify(
    {
      when: new Date().toISOString(),
      database: database.kind,
      keystrokeToPeerMs: {
        median: median(latencies),
        p95: percentile(latencies, 95),
        max: Math.max(...latencies),
        samples: latencies.length,
      },
      openProjectMs: { files: FILES, first: firstOpenMs, medianAfter: median(warmOpens), all: opens },
      bundle: { initialFiles, initialJsGzipBytes: initialJsGzip, allJsGzipBytes: allJsGzip },
      targets: TARGETS,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\nwrote ${path.relative(root, out)}\n`);
await database.drop();
process.exit(0);
