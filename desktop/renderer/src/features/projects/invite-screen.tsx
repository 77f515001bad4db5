import { useCallback, useEffect, useRef, useState } from 'react';
import { AcceptInviteResponse, InvitePreviewResponse } from '../../../../../shared/protocol/projects.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useSignedIn } from '../../app-context.js';
import { ApiError, messageOf } from '../../services/api-client.js';
import { navigate } from '../../router.js';
import { TopBar } from '../workspace/top-bar.js';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; preview: InvitePreviewResponse; joining: boolean; error: string | null }
  /** `retry`: the link may still be good (offline, a server hiccup), so trying again makes sense. */
  | { kind: 'failed'; error: string; retry: boolean };

const WHAT_A_ROLE_MAY_DO: Record<InvitePreviewResponse['role'], string> = {
  editor: 'As an editor you can change files and type in shared terminals.',
  viewer: 'As a viewer you can read files and watch terminals, but not change them.',
};

/** What went wrong, in words that say what to do; `linkDead` when this link will never admit the caller. */
function describe(error: unknown, serverUrl: string): { message: string; linkDead: boolean } {
  if (error instanceof ApiError && error.offline) {
    // An invite is only ever checked by the server: there is nothing to fall back on while it is away.
    return {
      message: `Joining a project needs the Tandem server, and ${serverUrl} cannot be reached right now. Check your connection, then try again.`,
      linkDead: false,
    };
  }
  // The server's own words for these already say what to do (ask the project's owner for a new link).
  const linkDead = error instanceof ApiError && (error.code === 'gone' || error.code === 'not_found');
  return { message: messageOf(error), linkDead };
}

/**
 * An invite link opened while signed in (the web's /invite/<token>, or tandem://invite/<token> in the desktop app).
 * Nothing is joined until the person has seen what the link leads to and chosen to join.
 */
export function InviteScreen({ token }: { token: string }) {
  const { api } = useSignedIn();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const failed = useCallback(
    (error: unknown): State => {
      const { message, linkDead } = describe(error, api.serverUrl);
      return { kind: 'failed', error: message, retry: !linkDead };
    },
    [api],
  );

  useEffect(() => {
    let cancelled = false;
    setState({ kind: 'loading' });
    api.request('GET', routes.previewInvite.path.replace(':token', encodeURIComponent(token)), { response: InvitePreviewResponse }).then(
      (preview) => !cancelled && setState({ kind: 'ready', preview, joining: false, error: null }),
      (error: unknown) => !cancelled && setState(failed(error)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, token, attempt, failed]);

  async function join(preview: InvitePreviewResponse) {
    setState({ kind: 'ready', preview, joining: true, error: null });
    try {
      const { project } = await api.request('POST', routes.acceptInvite.path.replace(':token', encodeURIComponent(token)), {
        response: AcceptInviteResponse,
      });
      navigate({ name: 'workspace', projectId: project.id }, { replace: true });
    } catch (error) {
      // Withdrawn, expired or used up since the preview: joining is no longer on offer. Anything else may pass.
      const { message, linkDead } = describe(error, api.serverUrl);
      setState(linkDead ? failed(error) : { kind: 'ready', preview, joining: false, error: message });
    }
  }

  const toProjects = () => navigate({ name: 'projects' });

  // The summary, not a button, takes the focus: a link can arrive (any web page can launch one) while the person
  // is typing elsewhere, and their next Enter must not join or open anything they have not read.
  const heading = useRef<HTMLHeadingElement>(null);
  const ready = state.kind === 'ready';
  useEffect(() => {
    if (ready) heading.current?.focus();
  }, [ready, token]);

  return (
    <div className="page">
      <TopBar title="Invitation" />
      <main className="projects" aria-busy={state.kind === 'loading'}>
        {state.kind === 'loading' && <p role="status">Looking up the invitation…</p>}

        {state.kind === 'failed' && (
          <>
            <p className="error" role="alert" data-testid="invite-error">
              {state.error}
            </p>
            <div className="inline-form">
              {state.retry && (
                <button className="btn primary" autoFocus onClick={() => setAttempt((n) => n + 1)}>
                  Try again
                </button>
              )}
              <button className="btn" autoFocus={!state.retry} onClick={toProjects}>
                Go to my projects
              </button>
            </div>
          </>
        )}

        {state.kind === 'ready' && state.preview.alreadyMember && (
          <>
            <h2 ref={heading} tabIndex={-1}>
              You are already in <strong>{state.preview.project.name}</strong>
              {state.preview.currentRole && <> as {state.preview.currentRole}</>}.
            </h2>
            <p className="muted">Your role stays as it is, and the link was not used.</p>
            <div className="inline-form">
              <button
                className="btn primary"
                data-testid="invite-open"
                onClick={() => navigate({ name: 'workspace', projectId: state.preview.project.id }, { replace: true })}
              >
                Open project
              </button>
              <button className="btn" onClick={toProjects}>
                Go to my projects
              </button>
            </div>
          </>
        )}

        {state.kind === 'ready' && !state.preview.alreadyMember && (
          <>
            <h2 ref={heading} tabIndex={-1} data-testid="invite-summary">
              {state.preview.invitedBy ? <>{state.preview.invitedBy.username} invited you</> : <>You are invited</>} to{' '}
              <strong>{state.preview.project.name}</strong> as {state.preview.role}.
            </h2>
            <p className="muted">
              {WHAT_A_ROLE_MAY_DO[state.preview.role]} The link works until {new Date(state.preview.expiresAt).toLocaleString()}.
            </p>
            {state.error && (
              <p className="error" role="alert" data-testid="invite-error">
                {state.error}
              </p>
            )}
            <div className="inline-form">
              <button className="btn primary" data-testid="invite-join" disabled={state.joining} onClick={() => void join(state.preview)}>
                {state.joining ? 'Joining…' : 'Join project'}
              </button>
              <button className="btn" data-testid="invite-not-now" disabled={state.joining} onClick={toProjects}>
                Not now
              </button>
            </div>
          </>
        )}
      </main>
    </div>
  );
}
