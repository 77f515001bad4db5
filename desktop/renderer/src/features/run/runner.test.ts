import { describe, expect, it } from 'vitest';
import { MAX_RUN_FILES, RunStreamClientMessage } from '../../../../../shared/protocol/runs.js';
import { localRunner } from './runner.js';

const target = { kind: 'local' as const, where: 'Local Docker (Colima)', connect: async () => 'ws://127.0.0.1:1/runs/stream?token=t' };

describe('a local run', () => {
  it('sends the files from this device, the entry, and the language of the entry', async () => {
    const files = [
      { path: 'main.py', content: 'import helper\n' },
      { path: 'helper.py', content: 'print("hi")\n' },
    ];
    const runner = localRunner(target, async () => files);
    const message = await runner.startMessage('main.py');
    expect(message).toEqual({ type: 'start', language: 'python', files, entry: 'main.py' });
    // What the local run server accepts: the run stream protocol itself.
    expect(RunStreamClientMessage.safeParse(message).success).toBe(true);
    expect((await runner.startMessage('scripts/go.sh')).language).toBe('bash');
    expect(runner.beforeRun).toBeUndefined();
  });

  it('says so when a project has more files than a run takes', async () => {
    const many = Array.from({ length: MAX_RUN_FILES + 1 }, (_, index) => ({ path: `f${index}.py`, content: '' }));
    await expect(localRunner(target, async () => many).startMessage('f0.py')).rejects.toThrow(`at most ${MAX_RUN_FILES} files`);
  });
});
