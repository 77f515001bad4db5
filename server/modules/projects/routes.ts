import { Router } from 'express';
import {
  AddMemberRequest,
  CreateProjectRequest,
  MemberParams,
  ProjectParams,
  UpdateMemberRequest,
  UpdateProjectRequest,
  type MemberResponse,
  type ProjectsResponse,
} from '../../../shared/protocol/projects.js';
import { routes } from '../../../shared/protocol/routes.js';
import { parseBody, parseParams } from '../../http/validate.js';
import { principalOf } from '../auth/bearer.js';
import type { ProjectService } from './service.js';

export function projectRoutes(projects: ProjectService): Router {
  const router = Router();
  router.post(routes.createProject.path, async (req, res) => {
    res.status(201).json(await projects.create(principalOf(req), parseBody(CreateProjectRequest, req).name));
  });
  router.get(routes.listProjects.path, async (req, res) => {
    res.json({ projects: await projects.list(principalOf(req)) } satisfies ProjectsResponse);
  });
  router.get(routes.getProject.path, async (req, res) => {
    res.json(await projects.get(principalOf(req), parseParams(ProjectParams, req.params).id));
  });
  router.patch(routes.updateProject.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    res.json(await projects.rename(principalOf(req), id, parseBody(UpdateProjectRequest, req).name));
  });
  router.delete(routes.deleteProject.path, async (req, res) => {
    await projects.delete(principalOf(req), parseParams(ProjectParams, req.params).id);
    res.status(204).end();
  });
  router.post(routes.addMember.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const { login, role } = parseBody(AddMemberRequest, req);
    res.status(201).json({ member: await projects.addMember(principalOf(req), id, login, role) } satisfies MemberResponse);
  });
  router.patch(routes.updateMember.path, async (req, res) => {
    const { id, userId } = parseParams(MemberParams, req.params);
    res.json({
      member: await projects.updateMember(principalOf(req), id, userId, parseBody(UpdateMemberRequest, req).role),
    } satisfies MemberResponse);
  });
  router.delete(routes.removeMember.path, async (req, res) => {
    const { id, userId } = parseParams(MemberParams, req.params);
    await projects.removeMember(principalOf(req), id, userId);
    res.status(204).end();
  });
  return router;
}
