// `npm run bench -- sandbox`: what a run costs through the server compared with a bare hardened
// `docker run --rm` of the same image, the terminal's keystroke round trip, and its output throughput.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { AuthResponse, CreateTerminalResponse, RunResponse, WsTicketResponse } from '../../shared/protocol/index.js';
import { timeBareDockerRun } from '../../shared/sandbox/bare-docker-run.js';
import { median, percentile, round } from '../../shared/sandbox/bench-stats.js';
import { findLanguage } from '../../shared/sandbox/languages.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startServer } from '../server.js';
import { client } from '../test-support/http.js';

const RUNS = 30;
const ECHOES = 500;
const THROUGHPUT_BYTES = 50_000_000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
const config = loadConfig({ ...process.env, PORT: '0', TANDEM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' });
const server = await startServer(config, createLogger('warn'));
const api = client(server.url);
const auth = AuthResponse.parse(
  (await api.post('/api/auth/register', { username: 'bench', email: 'bench@example.com', password: 'benchmarking passphrase' })).body,
);
const token = auth.accessToken;

async function timeApiRun(language: string): Promise<number[]> {
  const definition = findLanguage(language)!;
  const body = { language, files: [{ path: definition.defaultEntry, content: definition.template }] };
  const times: number[] = [];
  for (let i = 0; i < RUNS + 3; i += 1) {
    const started = performance.now();
    const response = await api.post('/api/runs', body, { token });
    const elapsed = performance.now() - started;
    if (RunResponse.parse(response.body).stdout !== 'Hello, world!\n') throw new Error(`unexpected output: ${response.text}`);
    if (i >= 3) times.push(elapsed); // the first runs warm the page cache
  }
  return times;
}

/** The same program with the same hardening, straight through the docker CLI: the floor to compare against. */
async function timeBareDockerRuns(language: string): Promise<number[]> {
  const definition = findLanguage(language)!;
  const script =
    language === 'c'
      ? 'cat > /workspace/main.c && gcc -O2 -std=c17 -o /tmp/p /workspace/main.c -lm && /tmp/p'
      : 'cat > /workspace/main.py && python3 -u /workspace/main.py';
  const times: number[] = [];
  for (let i = 0; i < RUNS + 3; i += 1) {
    const { ms, output } = await timeBareDockerRun(definition.image, script, definition.template);
    if (output !== 'Hello, world!\n') throw new Error(`bare docker run printed ${JSON.stringify(output)}`);
    if (i >= 3) times.push(ms);
  }
  return times;
}

async function openTerminal(): Promise<{ socket: WebSocket; id: string }> {
  const id = CreateTerminalResponse.parse((await api.post('/api/terminals', {}, { token })).body).terminalId;
  const ticket = WsTicketResponse.parse((await api.post('/api/ws-ticket', undefined, { token })).body).ticket;
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/terminals/${id}?ticket=${ticket}`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, id };
}

const send = (socket: WebSocket, data: string) => socket.send(JSON.stringify({ type: 'input', data }));

async function waitForOutput(socket: WebSocket, marker: string): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve) => {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      seen = (seen + data.toString()).slice(-4096);
      if (seen.includes(marker)) {
        socket.off('message', onMessage);
        resolve();
      }
    };
    socket.on('message', onMessage);
  });
}

async function terminalEcho(): Promise<number[]> {
  const { socket, id } = await openTerminal();
  // Raw mode and cat: each byte typed comes straight back, so the round trip is all that is timed.
  send(socket, 'stty raw -echo; echo READY; exec cat\r');
  await waitForOutput(socket, 'READY');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const times: number[] = [];
  for (let i = 0; i < ECHOES; i += 1) {
    const key = String.fromCharCode(97 + (i % 26));
    const started = performance.now();
    const echoed = waitForOutput(socket, key);
    send(socket, key);
    await echoed;
    times.push(performance.now() - started);
  }
  socket.close();
  await api.request('DELETE', `/api/terminals/${id}`, { token });
  return times;
}

async function terminalThroughput(): Promise<{ mbPerSecond: number; peakRssMb: number; baselineRssMb: number }> {
  const { socket, id } = await openTerminal();
  send(socket, `head -c ${THROUGHPUT_BYTES} /dev/zero | tr '\\0' x > /tmp/big; stty raw -echo; echo READY\r`);
  await waitForOutput(socket, 'READY');
  await new Promise((resolve) => setTimeout(resolve, 300));
  global.gc?.();
  const baselineRssMb = process.memoryUsage().rss / 1e6;
  let peakRss = baselineRssMb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss / 1e6)), 20);
  let received = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      received += data.toString().split('x').length - 1;
      if (received >= THROUGHPUT_BYTES) resolve();
    });
    send(socket, 'cat /tmp/big\r');
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  socket.close();
  await api.request('DELETE', `/api/terminals/${id}`, { token });
  return { mbPerSecond: THROUGHPUT_BYTES / 1e6 / seconds, peakRssMb: peakRss, baselineRssMb };
}

const results: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30), node: process.version },
  runs: RUNS,
};
const rows: Array<[string, string, string, string]> = [];
for (const language of ['python', 'c']) {
  const viaServer = await timeApiRun(language);
  const bare = await timeBareDockerRuns(language);
  const ratio = median(viaServer) / median(bare);
  results[language] = {
    serverMedianMs: round(median(viaServer)),
    serverP95Ms: round(percentile(viaServer, 95)),
    bareDockerRunMedianMs: round(median(bare)),
    bareDockerRunP95Ms: round(percentile(bare, 95)),
    overheadPercent: round((ratio - 1) * 100),
  };
  rows.push([`${language} hello world: POST /api/runs`, `${round(median(viaServer))} ms`, `${round(percentile(viaServer, 95))} ms`, '']);
  rows.push([`${language} hello world: bare docker run --rm`, `${round(median(bare))} ms`, `${round(percentile(bare, 95))} ms`, '']);
  rows.push([`${language}: server vs bare (target < +15%)`, `${round((ratio - 1) * 100)} %`, '', ratio < 1.15 ? 'met' : 'missed']);
}
const echo = await terminalEcho();
results.terminalEcho = { medianMs: round(median(echo), 2), p99Ms: round(percentile(echo, 99), 2), samples: ECHOES };
rows.push([
  `terminal keystroke echo (${ECHOES}), median (target ≤ 5 ms)`,
  `${round(median(echo), 2)} ms`,
  '',
  median(echo) <= 5 ? 'met' : 'missed',
]);
rows.push([
  `terminal keystroke echo, p99 (target ≤ 15 ms)`,
  `${round(percentile(echo, 99), 2)} ms`,
  '',
  percentile(echo, 99) <= 15 ? 'met' : 'missed',
]);
const throughput = await terminalThroughput();
results.terminalThroughput = {
  mbPerSecond: round(throughput.mbPerSecond),
  bytes: THROUGHPUT_BYTES,
  serverRssBaselineMb: round(throughput.baselineRssMb),
  serverRssPeakMb: round(throughput.peakRssMb),
};
rows.push([
  `terminal output, cat of 50 MB (target ≥ 20 MB/s)`,
  `${round(throughput.mbPerSecond)} MB/s`,
  '',
  throughput.mbPerSecond >= 20 ? 'met' : 'missed',
]);
rows.push([`server RSS during it (baseline → peak)`, `${round(throughput.baselineRssMb)} → ${round(throughput.peakRssMb)} MB`, '', '']);

await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const width = Math.max(...rows.map((row) => row[0].length));
process.stdout.write(`\n${'measure'.padEnd(width)}  ${'median'.padStart(14)}  ${'p95'.padStart(10)}  target\n`);
for (const [name, value, p95, target] of rows)
  process.stdout.write(`${name.padEnd(width)}  ${value.padStart(14)}  ${p95.padStart(10)}  ${target}\n`);
const out = path.resolve('bench-results', 'sandbox.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify({ when: new Date().toISOString(), ...results }, null, 2)}\n`);
process.stdout.write(`\nwritten to ${out}\n`);
