import { useEffect, useState } from 'react';
import { AcceptInviteResponse } from '../../../../../shared/protocol/projects.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useSignedIn } from '../../app-context.js';
import { messageOf } from '../../services/api-client.js';
import { navigate } from '../../router.js';
import { TopBar } from '../workspace/top-bar.js';

/** An invite link opened while signed in: join the project, then open it. */
export function InviteScreen({ token }: { token: string }) {
  const { api } = useSignedIn();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.request('POST', routes.acceptInvite.path.replace(':token', encodeURIComponent(token)), { response: AcceptInviteResponse }).then(
      ({ project }) => !cancelled && navigate({ name: 'workspace', projectId: project.id }, { replace: true }),
      (failure: unknown) => !cancelled && setError(messageOf(failure)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, token]);
  return (
    <div className="page">
      <TopBar title="Invitation" />
      <main className="projects">
        {error ? (
          <>
            <p className="error" role="alert">
              This invitation could not be accepted: {error}
            </p>
            <p className="muted">Ask the project&apos;s owner for a new link.</p>
            <button className="btn" onClick={() => navigate({ name: 'projects' })}>
              Go to my projects
            </button>
          </>
        ) : (
          <p role="status">Joining the project…</p>
        )}
      </main>
    </div>
  );
}
