import { Router } from 'express';
import {
  AddMemberRequest,
  CreateInviteRequest,
  CreateProjectRequest,
  InviteParams,
  InviteTokenParams,
  MemberParams,
  ProjectParams,
  UpdateMemberRequest,
  UpdateProjectRequest,
  type InvitesResponse,
  type MemberResponse,
  type ProjectsResponse,
} from '../../../shared/protocol/projects.js';
import { routes } from '../../../shared/protocol/routes.js';
import { parseBody, parseParams } from '../../http/validate.js';
import { principalOf } from '../auth/bearer.js';
import type { ProjectService } from './service.js';

/** `publicUrl`: where people open Tandem, for invite links; else the address the request came to. */
export function projectRoutes(projects: ProjectService, publicUrl: string | undefined): Router {
  const router = Router();
  router.post(routes.createProject.path, async (req, res) => {
    const { name, template } = parseBody(CreateProjectRequest, req);
    res.status(201).json(await projects.create(principalOf(req), name, template));
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
  router.post(routes.createInvite.path, async (req, res) => {
    const { id } = parseParams(ProjectParams, req.params);
    const origin = publicUrl ?? `${req.protocol}://${req.get('host')}`;
    res.status(201).json(await projects.createInvite(principalOf(req), id, parseBody(CreateInviteRequest, req), origin));
  });
  router.get(routes.listInvites.path, async (req, res) => {
    res.json({
      invites: await projects.listInvites(principalOf(req), parseParams(ProjectParams, req.params).id),
    } satisfies InvitesResponse);
  });
  router.delete(routes.revokeInvite.path, async (req, res) => {
    const { id, inviteId } = parseParams(InviteParams, req.params);
    await projects.revokeInvite(principalOf(req), id, inviteId);
    res.status(204).end();
  });
  router.get(routes.previewInvite.path, async (req, res) => {
    res.json(await projects.previewInvite(principalOf(req), parseParams(InviteTokenParams, req.params).token));
  });
  router.post(routes.acceptInvite.path, async (req, res) => {
    res.json(await projects.acceptInvite(principalOf(req), parseParams(InviteTokenParams, req.params).token));
  });
  return router;
}
