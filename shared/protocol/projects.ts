import { z } from 'zod';

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

export const CreateProjectRequest = z.object({ name: ProjectName });
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
