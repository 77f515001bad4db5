// Loaded with `node --import tsx --import <this file> dist/desktop/main/main.cjs` (see launch-main.ts): answers
// the bundle's require('electron') with the double, and talks to the test over the child-process IPC channel:
// records go up as they happen, commands come down and are answered by id.
import Module from 'node:module';
import { createElectronDouble, type DoubleCommand, type DoubleRecord } from './electron-double.js';

export type ToTest =
  | { type: 'record'; record: DoubleRecord }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
export type FromTest = { id: number; command: DoubleCommand };

const send = (message: ToTest, then?: () => void) => {
  if (process.send) process.send(message, undefined, {}, then);
};
const record = (entry: DoubleRecord) => send({ type: 'record', record: entry });

const { electron, run } = createElectronDouble({
  appDir: requiredEnv('ELECTRON_DOUBLE_APP_DIR'),
  userData: requiredEnv('ELECTRON_DOUBLE_USER_DATA'),
  singleInstanceLock: process.env.ELECTRON_DOUBLE_SINGLE_INSTANCE_LOCK !== 'no',
  record,
  // The record goes out before the process does.
  exit: () => send({ type: 'record', record: { kind: 'process.exit' } }, () => process.exit(0)),
});

// Node loads the entry (main.cjs) after this module, asynchronously: commands wait until main's top level ran,
// as Electron's `ready` never comes before it.
let mainRan: () => void = () => undefined;
const afterMain = new Promise<void>((resolve) => (mainRan = resolve));

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };
const load = loader._load;
loader._load = function (request, parent, isMain) {
  if (request === 'electron') return electron;
  if (!isMain) return load.call(this, request, parent, isMain);
  try {
    return load.call(this, request, parent, isMain);
  } finally {
    mainRan();
  }
};

// Electron's main process shows uncaught errors in a dialog and goes on; the test hears of them.
process.on('uncaughtException', (error) => record({ kind: 'error', source: 'uncaughtException', message: String(error?.stack ?? error) }));
process.on('unhandledRejection', (error) =>
  record({ kind: 'error', source: 'unhandledRejection', message: String((error as Error)?.stack ?? error) }),
);

process.on('message', (message: FromTest) => {
  void afterMain
    .then(() => run(message.command))
    .then(
      (value) => send({ type: 'reply', id: message.id, ok: true, value: value ?? null }),
      (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
});

// The test is gone (its worker ended or crashed): so is the app.
process.on('disconnect', () => process.exit(1));

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`electron double: ${name} is not set`);
  return value;
}
