import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptInviteResponse,
  AuthResponse,
  CreateInviteResponse,
  ErrorBody,
  InvitePreviewResponse,
  InvitesResponse,
  MemberResponse,
  ProjectResponse,
  ProjectsResponse,
} from '../../../shared/protocol/index.js';
import { databaseKinds } from '../../test-support/databases.js';
import { newAccount, startTestServer, type TestServer } from '../../test-support/test-server.js';

const kinds = await databaseKinds();

describe.each(kinds)('projects and members on %s database', (kind) => {
  let t: TestServer;
  let owner: AuthResponse;
  let editor: AuthResponse;
  let viewer: AuthResponse;
  let stranger: AuthResponse;
  beforeAll(async () => {
    t = await startTestServer(kind);
    const register = async (prefix: string) => {
      const response = await t.api.post('/api/auth/register', newAccount(prefix));
      expect(response.status, response.text).toBe(201);
      return AuthResponse.parse(response.body);
    };
    owner = await register('owner');
    editor = await register('editor');
    viewer = await register('viewer');
    stranger = await register('stranger');
  });
  afterAll(() => t?.close());

  const as = (who: AuthResponse) => ({ token: who.accessToken });
  const error = (response: { status: number; body: unknown }, status: number, code: string) => {
    expect(response.status).toBe(status);
    const parsed = ErrorBody.parse(response.body).error;
    expect(parsed.code).toBe(code);
    return parsed.message;
  };

  async function projectWithTeam(name = 'Team project') {
    const created = await t.api.post('/api/projects', { name }, as(owner));
    expect(created.status).toBe(201);
    const { project } = ProjectResponse.parse(created.body);
    for (const [who, role] of [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      const added = await t.api.post(`/api/projects/${project.id}/members`, { login: who.user.username, role }, as(owner));
      expect(added.status).toBe(201);
      expect(MemberResponse.parse(added.body).member).toEqual({ userId: who.user.id, username: who.user.username, role });
    }
    return project;
  }

  it('creates a project owned by its creator and lists it for every member with their role', async () => {
    const project = await projectWithTeam('  Pairing practice  ');
    expect(project).toMatchObject({ name: 'Pairing practice', role: 'owner' });
    for (const [who, role] of [
      [owner, 'owner'],
      [editor, 'editor'],
      [viewer, 'viewer'],
    ] as const) {
      const listed = ProjectsResponse.parse((await t.api.get('/api/projects', as(who))).body).projects;
      expect(listed.find((p) => p.id === project.id)?.role).toBe(role);
    }
    expect(ProjectsResponse.parse((await t.api.get('/api/projects', as(stranger))).body).projects.map((p) => p.id)).not.toContain(
      project.id,
    );
    const detail = ProjectResponse.parse((await t.api.get(`/api/projects/${project.id}`, as(viewer))).body);
    expect(detail.members.map((m) => [m.username, m.role])).toEqual([
      [owner.user.username, 'owner'],
      [editor.user.username, 'editor'],
      [viewer.user.username, 'viewer'],
    ]);
  });

  it('answers a non-member exactly as for a project that does not exist', async () => {
    const project = await projectWithTeam();
    const hidden = error(await t.api.get(`/api/projects/${project.id}`, as(stranger)), 404, 'not_found');
    const missing = '00000000-0000-4000-8000-000000000000';
    const absent = error(await t.api.get(`/api/projects/${missing}`, as(stranger)), 404, 'not_found');
    expect(hidden.replace(project.id, 'ID')).toBe(absent.replace(missing, 'ID'));
    error(await t.api.request('PATCH', `/api/projects/${project.id}`, { ...as(stranger), body: { name: 'mine' } }), 404, 'not_found');
    error(await t.api.request('DELETE', `/api/projects/${project.id}`, as(stranger)), 404, 'not_found');
  });

  it('lets owners and editors rename, and only owners delete or manage members', async () => {
    const project = await projectWithTeam();
    const renamed = await t.api.request('PATCH', `/api/projects/${project.id}`, { ...as(editor), body: { name: 'Renamed' } });
    expect(ProjectResponse.parse(renamed.body).project).toMatchObject({ name: 'Renamed', role: 'editor' });
    expect(
      error(await t.api.request('PATCH', `/api/projects/${project.id}`, { ...as(viewer), body: { name: 'x' } }), 403, 'forbidden'),
    ).toMatch(/role in this project is viewer/);
    error(
      await t.api.post(`/api/projects/${project.id}/members`, { login: stranger.user.username, role: 'viewer' }, as(editor)),
      403,
      'forbidden',
    );
    error(await t.api.request('DELETE', `/api/projects/${project.id}`, as(editor)), 403, 'forbidden');
    expect((await t.api.request('DELETE', `/api/projects/${project.id}`, as(owner))).status).toBe(204);
    error(await t.api.get(`/api/projects/${project.id}`, as(owner)), 404, 'not_found');
  });

  it('changes roles and removes members, and never leaves a project without an owner', async () => {
    const project = await projectWithTeam();
    const base = `/api/projects/${project.id}/members`;
    expect(
      error(await t.api.request('PATCH', `${base}/${owner.user.id}`, { ...as(owner), body: { role: 'editor' } }), 409, 'conflict'),
    ).toMatch(/at least one owner/);
    error(await t.api.request('DELETE', `${base}/${owner.user.id}`, as(owner)), 409, 'conflict');

    const promoted = await t.api.request('PATCH', `${base}/${editor.user.id}`, { ...as(owner), body: { role: 'owner' } });
    expect(MemberResponse.parse(promoted.body).member.role).toBe('owner');
    // With two owners, the first may step down, even both at once: one of them stays.
    const [a, b] = await Promise.all([
      t.api.request('PATCH', `${base}/${owner.user.id}`, { ...as(editor), body: { role: 'viewer' } }),
      t.api.request('PATCH', `${base}/${editor.user.id}`, { ...as(owner), body: { role: 'viewer' } }),
    ]);
    // The loser is refused either as the last owner (409) or, had the winner finished first, as no longer an owner (403).
    expect([a.status, b.status]).toContain(200);
    expect([a.status, b.status].filter((status) => status !== 200)).toEqual([expect.toBeOneOf([403, 409])]);
    const owners = ProjectResponse.parse((await t.api.get(`/api/projects/${project.id}`, as(viewer))).body).members.filter(
      (m) => m.role === 'owner',
    );
    expect(owners).toHaveLength(1);

    expect((await t.api.request('DELETE', `${base}/${viewer.user.id}`, as(viewer))).status).toBe(204); // leaving
    error(await t.api.get(`/api/projects/${project.id}`, as(viewer)), 404, 'not_found');
  });

  describe('invites', () => {
    const invite = async (projectId: string, body: Record<string, unknown>, who = owner) => {
      const response = await t.api.post(`/api/projects/${projectId}/invites`, body, as(who));
      expect(response.status, response.text).toBe(201);
      return CreateInviteResponse.parse(response.body);
    };
    const accept = (token: string, who: AuthResponse) => t.api.post(`/api/invites/${token}/accept`, undefined, as(who));
    const preview = (token: string, who: AuthResponse) => t.api.get(`/api/invites/${token}`, as(who));
    const usesOf = async (projectId: string) =>
      InvitesResponse.parse((await t.api.get(`/api/projects/${projectId}/invites`, as(owner))).body).invites[0]!.uses;

    it('admits people with the invite\u2019s role, up to its number of uses, and stores only a hash', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Invited' }, as(owner))).body);
      const created = await invite(project.id, { role: 'editor', expiresInHours: 2, maxUses: 2 });
      expect(created.url).toBe(`${t.url}/invite/${created.token}`);
      expect(created.invite).toMatchObject({ role: 'editor', maxUses: 2, uses: 0, revoked: false });
      const stored = await t.server.database.prisma.projectInvite.findUniqueOrThrow({ where: { id: created.invite.id } });
      expect(stored.tokenHash).not.toContain(created.token);

      const joined = await accept(created.token, editor);
      expect(joined.status).toBe(200);
      expect(AcceptInviteResponse.parse(joined.body)).toMatchObject({
        project: { id: project.id, role: 'editor' },
        member: { role: 'editor' },
      });
      // Accepting again changes nothing and spends no use.
      expect((await accept(created.token, editor)).status).toBe(200);
      expect((await accept(created.token, viewer)).status).toBe(200);
      expect(error(await accept(created.token, stranger), 410, 'gone')).toMatch(/used as many times as it allows/);
      const listed = InvitesResponse.parse((await t.api.get(`/api/projects/${project.id}/invites`, as(owner))).body).invites;
      expect(listed[0]).toMatchObject({ uses: 2, maxUses: 2 });
    });

    it('never admits more people than it allows, even all at once', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Rush' }, as(owner))).body);
      const created = await invite(project.id, { role: 'viewer', maxUses: 2 });
      const people = await Promise.all(
        Array.from({ length: 5 }, async () => AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('rush'))).body)),
      );
      const statuses = (await Promise.all(people.map((person) => accept(created.token, person)))).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 410, 410, 410]);
    });

    it('expires, can be withdrawn, and unknown links are not found', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Closing' }, as(owner))).body);
      const expiring = await invite(project.id, { role: 'viewer' });
      await t.server.database.prisma.projectInvite.update({
        where: { id: expiring.invite.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      expect(error(await accept(expiring.token, stranger), 410, 'gone')).toMatch(/has expired/);

      const withdrawn = await invite(project.id, { role: 'viewer' });
      expect((await t.api.request('DELETE', `/api/projects/${project.id}/invites/${withdrawn.invite.id}`, as(owner))).status).toBe(204);
      expect(error(await accept(withdrawn.token, stranger), 410, 'gone')).toMatch(/withdrawn/);
      error(await t.api.request('DELETE', `/api/projects/${project.id}/invites/${withdrawn.invite.id}`, as(owner)), 404, 'not_found');
      error(await accept('no-such-invite-token', stranger), 404, 'not_found');
    });

    it('previews the project, role and inviter without spending a use', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Look first' }, as(owner))).body);
      const created = await invite(project.id, { role: 'editor', maxUses: 1 });
      for (let i = 0; i < 2; i++) {
        const seen = await preview(created.token, stranger);
        expect(seen.status, seen.text).toBe(200);
        // The raw body, not the parsed one: nothing beyond these fields (no members, no files, no ids of people) goes out.
        expect(seen.body).toEqual({
          project: { id: project.id, name: 'Look first' },
          role: 'editor',
          invitedBy: { username: owner.user.username },
          expiresAt: created.invite.expiresAt,
          alreadyMember: false,
          currentRole: null,
        } satisfies InvitePreviewResponse);
      }
      expect(await usesOf(project.id)).toBe(0);
      error(await t.api.get(`/api/projects/${project.id}`, as(stranger)), 404, 'not_found');

      expect((await accept(created.token, stranger)).status).toBe(200);
      expect(await usesOf(project.id)).toBe(1);
      expect(InvitePreviewResponse.parse((await preview(created.token, stranger)).body)).toMatchObject({
        alreadyMember: true,
        currentRole: 'editor',
      });
      // Its one use is spent: the next person hears so before trying to join, in the words accepting would use.
      const late = await preview(created.token, viewer);
      expect(error(late, 410, 'gone')).toBe(error(await accept(created.token, viewer), 410, 'gone'));
      expect(error(late, 410, 'gone')).toMatch(/used as many times as it allows\. Ask the project\u2019s owner for a new link\./);
    });

    it('tells existing members they are in already, with their role, and spends nothing on them', async () => {
      const project = await projectWithTeam('Already in');
      const created = await invite(project.id, { role: 'editor', maxUses: 1 });
      for (const [who, role] of [
        [owner, 'owner'],
        [viewer, 'viewer'],
      ] as const) {
        expect(InvitePreviewResponse.parse((await preview(created.token, who)).body)).toMatchObject({
          project: { id: project.id, name: 'Already in' },
          role: 'editor',
          alreadyMember: true,
          currentRole: role,
        });
      }
      expect(await usesOf(project.id)).toBe(0);
    });

    it('refuses expired, withdrawn and unknown links exactly as accepting them would', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Shut' }, as(owner))).body);
      const expiring = await invite(project.id, { role: 'viewer' });
      await t.server.database.prisma.projectInvite.update({
        where: { id: expiring.invite.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const withdrawn = await invite(project.id, { role: 'viewer' });
      expect((await t.api.request('DELETE', `/api/projects/${project.id}/invites/${withdrawn.invite.id}`, as(owner))).status).toBe(204);

      for (const [token, status, code, message] of [
        [expiring.token, 410, 'gone', /has expired\. Ask the project\u2019s owner for a new link/],
        [withdrawn.token, 410, 'gone', /withdrawn by the project\u2019s owner\. Ask the project\u2019s owner for a new link/],
        [
          'no-such-invite-token',
          404,
          'not_found',
          /not valid: check that you copied all of it, or ask the project\u2019s owner for a new link/,
        ],
      ] as const) {
        const previewed = error(await preview(token, stranger), status, code);
        expect(previewed).toMatch(message);
        expect(previewed).toBe(error(await accept(token, stranger), status, code));
      }
      // The owner, already in, is told so whatever the link's state, as accepting would let them straight in.
      expect(InvitePreviewResponse.parse((await preview(expiring.token, owner)).body)).toMatchObject({ alreadyMember: true });
      expect((await accept(expiring.token, owner)).status).toBe(200);
    });

    it('shows no inviter once their account is gone', async () => {
      const leaver = AuthResponse.parse((await t.api.post('/api/auth/register', newAccount('leaver'))).body);
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Left behind' }, as(leaver))).body);
      const created = await invite(project.id, { role: 'viewer' }, leaver);
      await t.server.database.prisma.user.delete({ where: { id: leaver.user.id } });
      expect(InvitePreviewResponse.parse((await preview(created.token, stranger)).body)).toMatchObject({
        project: { name: 'Left behind' },
        invitedBy: null,
      });
    });

    it('needs a signed-in caller', async () => {
      const { project } = ProjectResponse.parse((await t.api.post('/api/projects', { name: 'Signed in only' }, as(owner))).body);
      const created = await invite(project.id, { role: 'viewer' });
      const anonymous = await t.api.get(`/api/invites/${created.token}`);
      expect(error(anonymous, 401, 'unauthorized')).not.toContain('Signed in only');
      expect(JSON.stringify(anonymous.body)).not.toContain(project.id);
    });

    it('is for owners to make, with sensible limits', async () => {
      const project = await projectWithTeam();
      error(await t.api.post(`/api/projects/${project.id}/invites`, { role: 'viewer' }, as(editor)), 403, 'forbidden');
      error(await t.api.post(`/api/projects/${project.id}/invites`, { role: 'viewer' }, as(stranger)), 404, 'not_found');
      expect(
        error(await t.api.post(`/api/projects/${project.id}/invites`, { role: 'owner' }, as(owner)), 400, 'validation_failed'),
      ).toMatch(/from the member list/);
      error(
        await t.api.post(`/api/projects/${project.id}/invites`, { role: 'viewer', expiresInHours: 0 }, as(owner)),
        400,
        'validation_failed',
      );
      error(
        await t.api.post(`/api/projects/${project.id}/invites`, { role: 'viewer', maxUses: 100000 }, as(owner)),
        400,
        'validation_failed',
      );
    });
  });

  describe('bad input', () => {
    it.each([
      ['an empty name', { name: '   ' }, /Give the project a name/],
      ['a 101-character name', { name: 'x'.repeat(101) }, /at most 100 characters/],
      ['a name with a control character', { name: 'a\u0007b' }, /control characters/],
      ['no name', {}, /name/],
    ])('refuses a project with %s', async (_name, body, message) => {
      expect(error(await t.api.post('/api/projects', body, as(owner)), 400, 'validation_failed')).toMatch(message);
    });

    it('refuses bad ids, unknown people, unknown roles and members added twice', async () => {
      const project = await projectWithTeam();
      error(await t.api.get('/api/projects/not-a-uuid', as(owner)), 400, 'validation_failed');
      const base = `/api/projects/${project.id}/members`;
      expect(error(await t.api.post(base, { login: 'nobody-like-this', role: 'editor' }, as(owner)), 404, 'not_found')).toMatch(
        /register first/,
      );
      error(await t.api.post(base, { login: stranger.user.username, role: 'admin' }, as(owner)), 400, 'validation_failed');
      expect(error(await t.api.post(base, { login: editor.user.email.toUpperCase(), role: 'viewer' }, as(owner)), 409, 'conflict')).toMatch(
        /already a member/,
      );
      error(await t.api.request('PATCH', `${base}/${stranger.user.id}`, { ...as(owner), body: { role: 'viewer' } }), 404, 'not_found');
    });
  });
});
