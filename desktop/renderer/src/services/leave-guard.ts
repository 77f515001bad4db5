import { pathOf, type Route } from '../router.js';

interface Question {
  text: string;
  /** What the person's own choice of leaving adds to the question (see confirmLeave), if anything. */
  consequence: string | undefined;
  decided: Promise<boolean>;
  answer(leave: boolean): void;
}

/**
 * What leaving the project now would end, and the one question asked before the app leaves it (a deep link, a
 * server change, Home, Back, an invite link, leaving the project's membership). Terminals on this computer live
 * exactly as long as their workspace, so the workspace holds a description of them while they live; whoever
 * leaves calls confirmLeave() first, and the leave dialog shows `question` and answers it.
 *
 * Nobody may wait on a question the person cannot see: while one is on screen, the app opens nothing that
 * could cover it (unlessAsking), and every new ask brings the dialog back to the front (`asks`).
 */
export class LeaveGuard {
  private readonly holds = new Map<number, string>();
  private nextHold = 0;
  private pending: Question | undefined;
  private asked = 0;
  private readonly listeners = new Set<() => void>();

  /** Registers what leaving would end, e.g. "2 terminals running on this computer"; returns its release. */
  hold(what: string): () => void {
    const id = this.nextHold++;
    this.holds.set(id, what);
    return () => {
      this.holds.delete(id);
    };
  }

  /** What leaving now would end, in words, or undefined when nothing would. */
  whatEnds(): string | undefined {
    const all = [...this.holds.values()];
    if (all.length <= 1) return all[0];
    return `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
  }

  /** The question on screen, if any. */
  get question(): string | undefined {
    return this.pending?.text;
  }

  /** Grows each time the question on screen is asked again: the dialog then comes back to the front. */
  get asks(): number {
    return this.asked;
  }

  /**
   * True when leaving is fine: nothing would end, or the person chose Leave. `consequence` is for a leave the
   * person chose themselves (e.g. leaving the project's membership): that question is asked even when nothing
   * would end, with the consequence in it.
   *
   * One question at a time. Whoever asks the same question while it is on screen gets its answer; a different
   * question is not stacked behind it and counts as Stay (Leave on one must never answer the other).
   */
  confirmLeave(consequence?: string): Promise<boolean> {
    if (this.pending) {
      this.raise();
      return this.pending.consequence === consequence ? this.pending.decided : Promise.resolve(false);
    }
    const what = this.whatEnds();
    if (what === undefined && consequence === undefined) return Promise.resolve(true);
    let answer: (leave: boolean) => void = () => undefined;
    const decided = new Promise<boolean>((resolve) => (answer = resolve));
    this.pending = { text: leaveQuestion(what, consequence), consequence, decided, answer };
    this.emit();
    return decided;
  }

  /** confirmLeave() for going from the screen `current` shows to `targets`, which asks only when that leaves the project. */
  confirmGoing(current: Route, targets: readonly Route[]): Promise<boolean> {
    return leavesWorkspace(current, targets) ? this.confirmLeave() : Promise.resolve(true);
  }

  /**
   * Runs `open` (something that would cover the app, e.g. the Change Server dialog) unless a question is on
   * screen: the person answers that first, and it comes back to the front. True when `open` ran.
   */
  unlessAsking(open: () => void): boolean {
    if (this.pending) {
      this.raise();
      return false;
    }
    open();
    return true;
  }

  /** The person's answer to the question on screen: Leave (true) or Stay (false). */
  answer(leave: boolean): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.answer(leave);
    this.emit();
  }

  /** For useSyncExternalStore: called whenever `question` or `asks` changes. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private raise(): void {
    this.asked += 1;
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Leaving the project's membership, said in the leave question (and so answered by its Leave). */
export const LEAVING_MEMBERSHIP = 'You lose access to it until an owner adds you again';

export function leaveQuestion(whatEnds: string | undefined, consequence?: string): string {
  const ends = whatEnds === undefined ? undefined : `${whatEnds} will end`;
  if (consequence === undefined) return ends === undefined ? 'Leave this project?' : `Leave this project? ${ends}.`;
  return `Leave this project? ${consequence}${ends === undefined ? '' : `, and ${ends}`}.`;
}

/** The workspace's hold while it has live terminals on this computer. */
export function localTerminalsRunning(count: number): string {
  return `${count} ${count === 1 ? 'terminal' : 'terminals'} running on this computer`;
}

/** Whether going to `targets`, one after another, leaves the project `current` shows (going to the same one stays). */
export function leavesWorkspace(current: Route, targets: readonly Route[]): boolean {
  return current.name === 'workspace' && targets.some((target) => pathOf(target) !== pathOf(current));
}
