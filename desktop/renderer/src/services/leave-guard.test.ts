import { describe, expect, it } from 'vitest';
import { LEAVING_MEMBERSHIP, LeaveGuard, leavesWorkspace, localTerminalsRunning } from './leave-guard.js';

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

  it('brings the question back to the front whenever it is asked again while on screen', async () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(1));
    const seen: number[] = [];
    guard.subscribe(() => seen.push(guard.asks));
    const first = guard.confirmLeave();
    const before = guard.asks;
    const again = guard.confirmLeave();
    expect(guard.asks).toBe(before + 1);
    expect(seen.at(-1)).toBe(before + 1);
    guard.answer(true);
    await expect(Promise.all([first, again])).resolves.toEqual([true, true]);
    // A new question starts where the count is: the dialog it opens is already in front.
    const asksBefore = guard.asks;
    void guard.confirmLeave();
    expect(guard.asks).toBe(asksBefore);
  });

  it('opens nothing over a question on screen (the person answers it first), and the question comes to the front', () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(2));
    const opened: string[] = [];
    expect(guard.unlessAsking(() => opened.push('server dialog'))).toBe(true);
    expect(opened).toEqual(['server dialog']);

    void guard.confirmLeave();
    const asks = guard.asks;
    expect(guard.unlessAsking(() => opened.push('server dialog'))).toBe(false);
    expect(opened).toEqual(['server dialog']);
    expect(guard.asks).toBe(asks + 1);

    guard.answer(false);
    expect(guard.unlessAsking(() => opened.push('server dialog'))).toBe(true);
    expect(opened).toEqual(['server dialog', 'server dialog']);
  });

  it('a deep link’s question, then Change Server from the menu: the menu waits, a Switch gets the same answer, nothing is left waiting', async () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(1));
    let serverDialog = false;
    const link = guard.confirmGoing(project, [other]);
    expect(guard.unlessAsking(() => (serverDialog = true))).toBe(false);
    expect(serverDialog).toBe(false);
    // Had a switch asked anyway, it shares the one answer rather than queueing behind an unreachable dialog.
    const asks = guard.asks;
    const switching = guard.confirmLeave();
    expect(guard.asks).toBe(asks + 1);
    guard.answer(false);
    await expect(Promise.all([link, switching])).resolves.toEqual([false, false]);
    expect(guard.question).toBeUndefined();
  });

  it('asks before leaving the project’s membership even when nothing would end, and names both when something would', async () => {
    const guard = new LeaveGuard();
    const alone = guard.confirmLeave(LEAVING_MEMBERSHIP);
    expect(guard.question).toBe('Leave this project? You lose access to it until an owner adds you again.');
    guard.answer(true);
    await expect(alone).resolves.toBe(true);

    guard.hold(localTerminalsRunning(2));
    const both = guard.confirmLeave(LEAVING_MEMBERSHIP);
    expect(guard.question).toBe(
      'Leave this project? You lose access to it until an owner adds you again, and 2 terminals running on this computer will end.',
    );
    guard.answer(false);
    await expect(both).resolves.toBe(false);
  });

  it('never lets Leave on one question answer a different one: the second counts as Stay', async () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(1));
    const navigation = guard.confirmLeave();
    await expect(guard.confirmLeave(LEAVING_MEMBERSHIP)).resolves.toBe(false);
    expect(guard.question).toBe('Leave this project? 1 terminal running on this computer will end.');
    guard.answer(true);
    await expect(navigation).resolves.toBe(true);

    const membership = guard.confirmLeave(LEAVING_MEMBERSHIP);
    await expect(guard.confirmLeave()).resolves.toBe(false);
    guard.answer(true);
    await expect(membership).resolves.toBe(true);
  });

  it('asks before going elsewhere only when that leaves the project on screen', async () => {
    const guard = new LeaveGuard();
    guard.hold(localTerminalsRunning(1));
    await expect(guard.confirmGoing(project, [project])).resolves.toBe(true);
    await expect(guard.confirmGoing({ name: 'projects' }, [other])).resolves.toBe(true);
    expect(guard.question).toBeUndefined();
    const invite = guard.confirmGoing(project, [{ name: 'invite', token: 't' }]);
    expect(guard.question).toBe('Leave this project? 1 terminal running on this computer will end.');
    guard.answer(false);
    await expect(invite).resolves.toBe(false);
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
