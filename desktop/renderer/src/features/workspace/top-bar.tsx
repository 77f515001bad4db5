import type { ReactNode } from 'react';
import { useLeaveGuard, useSignedIn } from '../../app-context.js';
import { navigate } from '../../router.js';

/** The strip across the top: home, where I am, who I am, sign out. */
export function TopBar({ title, children }: { title: string; children?: ReactNode }) {
  const { session, user } = useSignedIn();
  const guard = useLeaveGuard();
  // Terminals on this computer end with their workspace: asked first, like a deep link or a server change.
  const leaveThen = (action: () => void) => void (guard ? guard.confirmLeave() : Promise.resolve(true)).then((leave) => leave && action());
  return (
    <header className="top-bar">
      <a
        className="brand small"
        href="/"
        onClick={(event) => {
          event.preventDefault();
          leaveThen(() => navigate({ name: 'projects' }));
        }}
      >
        Tandem
      </a>
      <span className="crumb">{title}</span>
      <span className="spacer" />
      {children}
      <span className="me" data-testid="signed-in-user" title={user.email}>
        {user.username}
      </span>
      <button className="btn small" onClick={() => leaveThen(() => void session.logout())}>
        Sign out
      </button>
    </header>
  );
}
