import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse, ErrorBody, MemberResponse, ProjectResponse, ProjectsResponse } from '../../../shared/protocol/index.js';
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
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const owners = ProjectResponse.parse((await t.api.get(`/api/projects/${project.id}`, as(viewer))).body).members.filter(
      (m) => m.role === 'owner',
    );
    expect(owners).toHaveLength(1);

    expect((await t.api.request('DELETE', `${base}/${viewer.user.id}`, as(viewer))).status).toBe(204); // leaving
    error(await t.api.get(`/api/projects/${project.id}`, as(viewer)), 404, 'not_found');
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
