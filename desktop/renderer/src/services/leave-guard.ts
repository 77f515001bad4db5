import { pathOf, type Route } from '../router.js';

interface Question {
  text: string;
  decided: Promise<boolean>;
  answer(leave: boolean): void;
}

/**
 * What leaving the project now would end, and the one question asked before the app leaves it on its own (a
 * deep link, a server change). Terminals on this computer live exactly as long as their workspace, so the
 * workspace holds a description of them while they live; the app shell calls confirmLeave() before it
 * navigates away, and the leave dialog shows `question` and answers it.
 */
export class LeaveGuard {
  private readonly holds = new Map<number, string>();
  private nextHold = 0;
  private pending: Question | undefined;
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

  /**
   * True when leaving is fine: nothing would end, or the person chose Leave. One question at a time: whoever
   * asks while it is on screen gets the same answer.
   */
  confirmLeave(): Promise<boolean> {
    if (this.pending) return this.pending.decided;
    const what = this.whatEnds();
    if (what === undefined) return Promise.resolve(true);
    let answer: (leave: boolean) => void = () => undefined;
    const decided = new Promise<boolean>((resolve) => (answer = resolve));
    this.pending = { text: leaveQuestion(what), decided, answer };
    this.emit();
    return decided;
  }

  /** The person's answer to the question on screen: Leave (true) or Stay (false). */
  answer(leave: boolean): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.answer(leave);
    this.emit();
  }

  /** For useSyncExternalStore: called whenever `question` changes. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export function leaveQuestion(whatEnds: string): string {
  return `Leave this project? ${whatEnds} will end.`;
}

/** The workspace's hold while it has live terminals on this computer. */
export function localTerminalsRunning(count: number): string {
  return `${count} ${count === 1 ? 'terminal' : 'terminals'} running on this computer`;
}

/** Whether going to `targets`, one after another, leaves the project `current` shows (going to the same one stays). */
export function leavesWorkspace(current: Route, targets: readonly Route[]): boolean {
  return current.name === 'workspace' && targets.some((target) => pathOf(target) !== pathOf(current));
}
