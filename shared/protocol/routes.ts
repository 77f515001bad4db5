import type { z } from 'zod';
import {
  AuthResponse,
  LoginRequest,
  LogoutRequest,
  MeResponse,
  RefreshRequest,
  RegisterRequest,
  UserProfileResponse,
  WsTicketResponse,
} from './auth.js';
import { CreateFileRequest, FileResponse, FilesResponse, MoveFileRequest, MovedFilesResponse } from './files.js';
import { HealthResponse, ReadinessResponse } from './health.js';
import {
  AcceptInviteResponse,
  AddMemberRequest,
  CreateInviteRequest,
  CreateInviteResponse,
  CreateProjectRequest,
  InvitePreviewResponse,
  InvitesResponse,
  MemberResponse,
  ProjectResponse,
  ProjectsResponse,
  UpdateMemberRequest,
  UpdateProjectRequest,
} from './projects.js';
import { LanguagesResponse, RunRequest, RunResponse } from './runs.js';
import { CreateTerminalRequest, CreateTerminalResponse, ProjectTerminalsResponse } from './terminals.js';

/** One HTTP route's contract: the server validates `body` on arrival, clients parse `response`. */
export interface RouteContract {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: z.ZodType;
  response?: z.ZodType;
  /** Status of a successful answer. */
  status: number;
  /** False for the few routes reachable without a bearer token. */
  auth: boolean;
}

const route = <T extends RouteContract>(contract: T): T => contract;

export const routes = {
  health: route({ method: 'GET', path: '/health', response: HealthResponse, status: 200, auth: false }),
  ready: route({ method: 'GET', path: '/health/ready', response: ReadinessResponse, status: 200, auth: false }),
  register: route({
    method: 'POST',
    path: '/api/auth/register',
    body: RegisterRequest,
    response: AuthResponse,
    status: 201,
    auth: false,
  }),
  login: route({ method: 'POST', path: '/api/auth/login', body: LoginRequest, response: AuthResponse, status: 200, auth: false }),
  refresh: route({
    method: 'POST',
    path: '/api/auth/refresh',
    body: RefreshRequest,
    response: AuthResponse,
    status: 200,
    auth: false,
  }),
  logout: route({ method: 'POST', path: '/api/auth/logout', body: LogoutRequest, status: 204, auth: true }),
  me: route({ method: 'GET', path: '/api/auth/me', response: MeResponse, status: 200, auth: true }),
  userProfile: route({ method: 'GET', path: '/api/users/:username', response: UserProfileResponse, status: 200, auth: true }),
  wsTicket: route({ method: 'POST', path: '/api/ws-ticket', response: WsTicketResponse, status: 201, auth: true }),
  languages: route({ method: 'GET', path: '/api/languages', response: LanguagesResponse, status: 200, auth: true }),
  run: route({ method: 'POST', path: '/api/runs', body: RunRequest, response: RunResponse, status: 200, auth: true }),
  stopRun: route({ method: 'POST', path: '/api/runs/:id/stop', status: 204, auth: true }),
  createTerminal: route({
    method: 'POST',
    path: '/api/terminals',
    body: CreateTerminalRequest,
    response: CreateTerminalResponse,
    status: 201,
    auth: true,
  }),
  deleteTerminal: route({ method: 'DELETE', path: '/api/terminals/:id', status: 204, auth: true }),
  /** Any member: the project's open terminals, to watch or (editors and owners) type in. */
  listProjectTerminals: route({
    method: 'GET',
    path: '/api/projects/:id/terminals',
    response: ProjectTerminalsResponse,
    status: 200,
    auth: true,
  }),
  createProject: route({
    method: 'POST',
    path: '/api/projects',
    body: CreateProjectRequest,
    response: ProjectResponse,
    status: 201,
    auth: true,
  }),
  listProjects: route({ method: 'GET', path: '/api/projects', response: ProjectsResponse, status: 200, auth: true }),
  getProject: route({ method: 'GET', path: '/api/projects/:id', response: ProjectResponse, status: 200, auth: true }),
  updateProject: route({
    method: 'PATCH',
    path: '/api/projects/:id',
    body: UpdateProjectRequest,
    response: ProjectResponse,
    status: 200,
    auth: true,
  }),
  deleteProject: route({ method: 'DELETE', path: '/api/projects/:id', status: 204, auth: true }),
  addMember: route({
    method: 'POST',
    path: '/api/projects/:id/members',
    body: AddMemberRequest,
    response: MemberResponse,
    status: 201,
    auth: true,
  }),
  updateMember: route({
    method: 'PATCH',
    path: '/api/projects/:id/members/:userId',
    body: UpdateMemberRequest,
    response: MemberResponse,
    status: 200,
    auth: true,
  }),
  removeMember: route({ method: 'DELETE', path: '/api/projects/:id/members/:userId', status: 204, auth: true }),
  createInvite: route({
    method: 'POST',
    path: '/api/projects/:id/invites',
    body: CreateInviteRequest,
    response: CreateInviteResponse,
    status: 201,
    auth: true,
  }),
  listInvites: route({ method: 'GET', path: '/api/projects/:id/invites', response: InvitesResponse, status: 200, auth: true }),
  revokeInvite: route({ method: 'DELETE', path: '/api/projects/:id/invites/:inviteId', status: 204, auth: true }),
  listFiles: route({ method: 'GET', path: '/api/projects/:id/files', response: FilesResponse, status: 200, auth: true }),
  createFile: route({
    method: 'POST',
    path: '/api/projects/:id/files',
    body: CreateFileRequest,
    response: FileResponse,
    status: 201,
    auth: true,
  }),
  /** `?path=`; answers text/plain. */
  readFile: route({ method: 'GET', path: '/api/projects/:id/files/content', status: 200, auth: true }),
  /** `?path=`, a text/plain body: replaces the content as one change that live editors see. */
  writeFile: route({ method: 'PUT', path: '/api/projects/:id/files/content', response: FileResponse, status: 200, auth: true }),
  moveFile: route({
    method: 'PATCH',
    path: '/api/projects/:id/files',
    body: MoveFileRequest,
    response: MovedFilesResponse,
    status: 200,
    auth: true,
  }),
  /** `?path=`: a file, or a folder with everything in it. */
  deleteFile: route({ method: 'DELETE', path: '/api/projects/:id/files', status: 204, auth: true }),
  /** What the link leads to, so the holder can confirm before joining; spends no use. */
  previewInvite: route({ method: 'GET', path: '/api/invites/:token', response: InvitePreviewResponse, status: 200, auth: true }),
  acceptInvite: route({ method: 'POST', path: '/api/invites/:token/accept', response: AcceptInviteResponse, status: 200, auth: true }),
} satisfies Record<string, RouteContract>;

/** WebSocket endpoints; each takes `?ticket=` from POST /api/ws-ticket. */
export const socketPaths = {
  runStream: '/api/runs/stream',
  terminal: '/api/terminals/:id',
  /** automerge-repo's standard WebSocket sync protocol. */
  sync: '/sync',
} as const;
