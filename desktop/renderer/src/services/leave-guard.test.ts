import { describe, expect, it } from 'vitest';
import { LeaveGuard, leavesWorkspace, localTerminalsRunning } from './leave-guard.js';

const project = { name: 'workspace', projectId: '11111111-1111-4111-8111-111111111111' } as const;
const other = { name: 'workspace', projectId: '22222222-2222-4222-8222-222222222222' } as const;

describe('the leave guard', () => {
  it('lets the app leave without a question while nothing would end', async () => {
    const guard = new LeaveGuard();
    const release = guard.hold(localTerminalsRunning(1));
    release();
    await expect(guard.confirmLeave()).resolves.toBe(true);
    expect(guard.question).toBeUndefined();
  });

  it('asks what would end, and answers with the person’s choice', async () => {
    const guard = new LeaveGuard();
    const changes: Array<string | undefined> = [];
    guard.subscribe(() => changes.push(guard.question));
    const release = guard.hold(localTerminalsRunning(2));

    const stay = guard.confirmLeave();
    expect(guard.question).toBe('Leave this project? 2 terminals running on this computer will end.');
    guard.answer(false);
    await expect(stay).resolves.toBe(false);
    expect(guard.question).toBeUndefined();

    const leave = guard.confirmLeave();
    guard.answer(true);
    await expect(leave).resolves.toBe(true);
    expect(changes).toEqual([
      'Leave this project? 2 terminals running on this computer will end.',
      undefined,
      'Leave this project? 2 terminals running on this computer will end.',
      undefined,
    ]);
    release();
  });

  it('asks one question at a time: whoever asks meanwhile gets the same answer', async () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(1));
    const first = guard.confirmLeave();
    const second = guard.confirmLeave();
    expect(guard.question).toBe('Leave this project? 1 terminal running on this computer will end.');
    guard.answer(false);
    await expect(Promise.all([first, second])).resolves.toEqual([false, false]);
  });

  it('names everything that would end', () => {
    const guard = new LeaveGuard();
    guard.hold('1 terminal running on this computer');
    guard.hold('a build');
    guard.hold('a run');
    expect(guard.whatEnds()).toBe('1 terminal running on this computer, a build and a run');
  });
});

describe('leavesWorkspace', () => {
  it('is true only for links that take the app away from the project on screen', () => {
    expect(leavesWorkspace(project, [{ name: 'invite', token: 't' }])).toBe(true);
    expect(leavesWorkspace(project, [project, other])).toBe(true);
    expect(leavesWorkspace(project, [project])).toBe(false);
    expect(leavesWorkspace({ name: 'projects' }, [other])).toBe(false);
    expect(leavesWorkspace({ name: 'invite', token: 't' }, [project])).toBe(false);
  });
});
