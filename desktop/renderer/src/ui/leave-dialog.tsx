import { useSyncExternalStore } from 'react';
import type { LeaveGuard } from '../services/leave-guard.js';
import { Modal } from './modal.js';

/**
 * The leave guard's question, when one is asked: Stay is the default (Enter, Escape, a click outside). Asked
 * again while open, it comes back to the front, so whoever waits on it waits on something the person can answer.
 */
export function LeaveDialog({ guard }: { guard: LeaveGuard }) {
  const question = useSyncExternalStore(guard.subscribe, () => guard.question);
  const asks = useSyncExternalStore(guard.subscribe, () => guard.asks);
  if (question === undefined) return null;
  return (
    <Modal label="Leave this project?" front={asks} onClose={() => guard.answer(false)}>
      <div className="dialog leave-dialog" data-testid="leave-dialog">
        <p>{question}</p>
        <div className="row-actions">
          <button type="button" className="btn danger" onClick={() => guard.answer(true)}>
            Leave
          </button>
          <button type="button" className="btn primary" data-autofocus onClick={() => guard.answer(false)}>
            Stay
          </button>
        </div>
      </div>
    </Modal>
  );
}
