import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  CreateInviteResponse,
  InvitesResponse,
  MemberResponse,
  type Invite,
  type ProjectResponse,
  type ProjectRole,
} from '../../../../../shared/protocol/projects.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useLeaveGuard, useSignedIn } from '../../app-context.js';
import { messageOf } from '../../services/api-client.js';
import { LEAVING_MEMBERSHIP, leaveQuestion, type LeaveGuard } from '../../services/leave-guard.js';
import { navigate, parseRoute, type Route } from '../../router.js';
import { Modal } from '../../ui/modal.js';

export interface ShareDialogProps {
  projectId: string;
  project: ProjectResponse;
  onClose(): void;
  /** Members or roles changed: reload the project. */
  onChanged(): Promise<void>;
}

/** Members and roles, invite links (owners), and accepting an invite someone sent. */
export function ShareDialog({ projectId, project, onClose, onChanged }: ShareDialogProps) {
  const { api, user } = useSignedIn();
  const guard = useLeaveGuard();
  const isOwner = project.project.role === 'owner';
  const [error, setError] = useState<string | null>(null);
  const [invites, setInvites] = useState<Invite[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const membersPath = routes.addMember.path.replace(':id', projectId);
  const invitesPath = routes.createInvite.path.replace(':id', projectId);

  const loadInvites = useCallback(async () => {
    if (!isOwner) return;
    const { invites: list } = await api.request('GET', invitesPath, { response: InvitesResponse });
    setInvites(list);
  }, [api, invitesPath, isOwner]);
  useEffect(() => void loadInvites().catch((failure: unknown) => setError(messageOf(failure))), [loadInvites]);

  /** Runs a change; false (with the reason shown) when it failed, so forms keep what was typed. */
  const attempt = async (work: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await work();
      await onChanged();
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    }
  };

  return (
    <Modal label="Share project" onClose={onClose}>
      <div className="dialog share-dialog">
        <header>
          <h2>Share “{project.project.name}”</h2>
          <button className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <section>
          <h3>People</h3>
          <ul className="members" aria-label="Members">
            {project.members.map((member) => (
              <li key={member.userId} data-testid="member">
                <span>
                  {member.username}
                  {member.userId === user.id && <span className="muted"> (you)</span>}
                </span>
                {isOwner ? (
                  <select
                    aria-label={`Role of ${member.username}`}
                    value={member.role}
                    onChange={(event) =>
                      attempt(() =>
                        api.request('PATCH', routes.updateMember.path.replace(':id', projectId).replace(':userId', member.userId), {
                          body: { role: event.target.value },
                          response: MemberResponse,
                        }),
                      )
                    }
                  >
                    <RoleOptions />
                  </select>
                ) : (
                  <span className={`role role-${member.role}`}>{member.role}</span>
                )}
                {(isOwner || member.userId === user.id) && (
                  <button
                    className="btn small danger"
                    onClick={() => {
                      const leaving = member.userId === user.id;
                      // Leaving ends this computer's terminals too: the leave question says both, and its Leave answers both.
                      const sure = leaving
                        ? confirmLeaving(guard)
                        : Promise.resolve(window.confirm(`Remove ${member.username} from the project?`));
                      void sure.then(
                        (yes) =>
                          yes &&
                          attempt(async () => {
                            await api.request(
                              'DELETE',
                              routes.removeMember.path.replace(':id', projectId).replace(':userId', member.userId),
                            );
                            if (leaving) navigate({ name: 'projects' });
                          }),
                      );
                    }}
                  >
                    {member.userId === user.id ? 'Leave' : 'Remove'}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {isOwner && (
            <AddMember
              onAdd={(login, role) => attempt(() => api.request('POST', membersPath, { body: { login, role }, response: MemberResponse }))}
            />
          )}
        </section>
        {isOwner && (
          <section>
            <h3>Invite links</h3>
            <CreateInvite
              onCreate={(role, expiresInHours, maxUses) =>
                attempt(async () => {
                  const { url } = await api.request('POST', invitesPath, {
                    body: { role, expiresInHours, maxUses },
                    response: CreateInviteResponse,
                  });
                  setCreated(url);
                  await loadInvites();
                })
              }
            />
            {created && (
              <div className="invite-url">
                <input
                  readOnly
                  value={created}
                  aria-label="Invite link"
                  data-testid="invite-url"
                  onFocus={(event) => event.target.select()}
                />
                <button className="btn small" onClick={() => void navigator.clipboard?.writeText(created)}>
                  Copy
                </button>
                <p className="muted small">Shown once: copy it now. Anyone with the link can join until it expires or runs out.</p>
              </div>
            )}
            <ul className="invites" aria-label="Invites">
              {invites.map((invite) => (
                <li key={invite.id}>
                  <span className={`role role-${invite.role}`}>{invite.role}</span>
                  <span className="muted small">
                    {invite.uses}/{invite.maxUses} used ·{' '}
                    {invite.revoked
                      ? 'withdrawn'
                      : new Date(invite.expiresAt) < new Date()
                        ? 'expired'
                        : `expires ${new Date(invite.expiresAt).toLocaleString()}`}
                  </span>
                  {!invite.revoked && (
                    <button
                      className="btn small"
                      onClick={() =>
                        attempt(
                          async () => (
                            await api.request('DELETE', routes.revokeInvite.path.replace(':id', projectId).replace(':inviteId', invite.id)),
                            await loadInvites()
                          ),
                        )
                      }
                    >
                      Withdraw
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </section>
        )}
        <section>
          <h3>Join with a link</h3>
          <AcceptInvite />
        </section>
      </div>
    </Modal>
  );
}

function RoleOptions({ withOwner = true }: { withOwner?: boolean }) {
  return (
    <>
      {withOwner && <option value="owner">owner</option>}
      <option value="editor">editor</option>
      <option value="viewer">viewer</option>
    </>
  );
}

function AddMember({ onAdd }: { onAdd(login: string, role: ProjectRole): Promise<boolean> }) {
  const [login, setLogin] = useState('');
  const [role, setRole] = useState<ProjectRole>('editor');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await onAdd(login.trim(), role)) setLogin('');
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add a person">
      <input
        aria-label="Username or email"
        placeholder="username or email"
        value={login}
        onChange={(e) => setLogin(e.target.value)}
        required
      />
      <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
        <RoleOptions />
      </select>
      <button className="btn small primary" type="submit">
        Add
      </button>
    </form>
  );
}

function CreateInvite({ onCreate }: { onCreate(role: 'editor' | 'viewer', expiresInHours: number, maxUses: number): Promise<boolean> }) {
  const [role, setRole] = useState<'editor' | 'viewer'>('editor');
  const [hours, setHours] = useState(72);
  const [uses, setUses] = useState(10);
  return (
    <form
      className="inline-form"
      aria-label="Create an invite link"
      onSubmit={(event) => {
        event.preventDefault();
        void onCreate(role, hours, uses);
      }}
    >
      <select aria-label="Invite role" value={role} onChange={(e) => setRole(e.target.value as 'editor' | 'viewer')}>
        <RoleOptions withOwner={false} />
      </select>
      <label>
        expires in
        <input
          type="number"
          min={1}
          max={720}
          value={hours}
          onChange={(e) => setHours(Number(e.target.value))}
          aria-label="Hours until it expires"
        />{' '}
        h
      </label>
      <label>
        uses
        <input
          type="number"
          min={1}
          max={1000}
          value={uses}
          onChange={(e) => setUses(Number(e.target.value))}
          aria-label="Number of uses"
        />
      </label>
      <button className="btn small primary" type="submit">
        Create link
      </button>
    </form>
  );
}

/** Leaving the project's membership, asked in the app's leave question (which names the terminals it would end too). */
function confirmLeaving(guard: LeaveGuard | null): Promise<boolean> {
  if (guard) return guard.confirmLeave(LEAVING_MEMBERSHIP);
  return Promise.resolve(window.confirm(leaveQuestion(undefined, LEAVING_MEMBERSHIP)));
}

function AcceptInvite() {
  const guard = useLeaveGuard();
  const [link, setLink] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = /\/invite\/([^/?#\s]+)/.exec(link)?.[1] ?? (/^[\w-]+$/.test(link.trim()) ? link.trim() : null);
    if (!token) return setError('Paste the whole invite link, like https://…/invite/abc123.');
    const invite: Route = { name: 'invite', token: decodeURIComponent(token) };
    // The invite screen takes the app out of this project: asked first, like a deep link to it.
    void (guard ? guard.confirmGoing(parseRoute(window.location.pathname), [invite]) : Promise.resolve(true)).then(
      (go) => go && navigate(invite),
    );
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Accept an invite">
      <input
        aria-label="Invite link"
        placeholder="paste an invite link"
        value={link}
        onChange={(e) => (setLink(e.target.value), setError(null))}
      />
      <button className="btn small" type="submit">
        Join
      </button>
      {error && <span className="error small">{error}</span>}
    </form>
  );
}
