import { z } from 'zod';
import { LanguageId } from './runs.js';

export const ProjectRole = z.enum(['owner', 'editor', 'viewer']);
export type ProjectRole = z.infer<typeof ProjectRole>;

export const ProjectName = z
  .string()
  .trim()
  .min(1, 'Give the project a name.')
  .max(100, 'A project name has at most 100 characters.')
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'A project name may not contain control characters.');

export const Project = z.object({
  id: z.string().uuid(),
  name: z.string(),
  /** The caller's role in it. */
  role: ProjectRole,
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
});
export type Project = z.infer<typeof Project>;

export const ProjectMember = z.object({ userId: z.string().uuid(), username: z.string(), role: ProjectRole });
export type ProjectMember = z.infer<typeof ProjectMember>;

export const CreateProjectRequest = z.object({
  name: ProjectName,
  /** A language from GET /api/languages: the project starts with its hello-world file. */
  template: z
    .enum(LanguageId.options, { message: `Not a language: use one of ${LanguageId.options.join(', ')} (GET /api/languages).` })
    .optional(),
});
export type CreateProjectRequest = z.input<typeof CreateProjectRequest>;
export const UpdateProjectRequest = z.object({ name: ProjectName });
export const ProjectResponse = z.object({ project: Project, members: z.array(ProjectMember) });
export type ProjectResponse = z.infer<typeof ProjectResponse>;
export const ProjectsResponse = z.object({ projects: z.array(Project) });
export type ProjectsResponse = z.infer<typeof ProjectsResponse>;

export const AddMemberRequest = z.object({
  login: z.string().trim().min(1, 'Name the person: a username or an email.').max(320),
  role: ProjectRole,
});
export const UpdateMemberRequest = z.object({ role: ProjectRole });
export const MemberResponse = z.object({ member: ProjectMember });
export type MemberResponse = z.infer<typeof MemberResponse>;

export const ProjectParams = z.object({ id: z.string().uuid('Not a project id.') });
export const MemberParams = ProjectParams.extend({ userId: z.string().uuid('Not a user id.') });

export const InviteRole = z.enum(['editor', 'viewer'], {
  message: 'Invites grant "editor" or "viewer"; make someone an owner from the member list.',
});

export const CreateInviteRequest = z.object({
  role: InviteRole,
  expiresInHours: z
    .number()
    .int()
    .min(1, 'An invite lasts at least 1 hour.')
    .max(720, 'An invite lasts at most 720 hours (30 days).')
    .default(72),
  maxUses: z.number().int().min(1, 'An invite admits at least 1 person.').max(1000, 'An invite admits at most 1000 people.').default(10),
});
export type CreateInviteRequest = z.input<typeof CreateInviteRequest>;

export const Invite = z.object({
  id: z.string().uuid(),
  role: InviteRole,
  expiresAt: z.string().datetime(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  revoked: z.boolean(),
});
export type Invite = z.infer<typeof Invite>;

/** The token is shown once, at creation; only its hash is kept. */
export const CreateInviteResponse = z.object({ invite: Invite, token: z.string(), url: z.string() });
export type CreateInviteResponse = z.infer<typeof CreateInviteResponse>;
export const InvitesResponse = z.object({ invites: z.array(Invite) });
export type InvitesResponse = z.infer<typeof InvitesResponse>;

export const AcceptInviteResponse = z.object({ project: Project, member: ProjectMember });
export type AcceptInviteResponse = z.infer<typeof AcceptInviteResponse>;

/**
 * What an invite link leads to, for the person holding it to confirm before joining. Only what they need
 * to decide: the project's name and who invited them, never its members or files.
 */
export const InvitePreviewResponse = z.object({
  project: z.object({ id: z.string().uuid(), name: z.string() }),
  /** The role joining gives. */
  role: InviteRole,
  /** Null when the account that made the invite no longer exists. */
  invitedBy: z.object({ username: z.string() }).nullable(),
  expiresAt: z.string().datetime(),
  /** Accepting would change nothing: the caller is in the project already, with `currentRole`. */
  alreadyMember: z.boolean(),
  currentRole: ProjectRole.nullable(),
});
export type InvitePreviewResponse = z.infer<typeof InvitePreviewResponse>;

export const InviteParams = ProjectParams.extend({ inviteId: z.string().uuid('Not an invite id.') });
export const InviteTokenParams = z.object({ token: z.string().min(1).max(100) });
