import { useCallback, useEffect, useState } from 'react';
import { z } from 'zod';
import { FilesResponse } from '../../../../../shared/protocol/files.js';
import { ProjectResponse } from '../../../../../shared/protocol/projects.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useSignedIn } from '../../app-context.js';
import { ApiError, messageOf } from '../../services/api-client.js';

/** What this device remembers of a project, so it opens offline. */
const CachedProject = z.object({ project: ProjectResponse, projectDocUrl: z.string() });
export type KnownProject = z.infer<typeof CachedProject>;

/** How often the role is checked while the window is in use: a demotion must not leave edits going nowhere. */
const RECHECK_MS = 60_000;

export interface ProjectState {
  known: KnownProject | null;
  /** Why the project cannot be used, e.g. no longer a member. */
  error: string | null;
  /** True once the server said this person is not (or no longer) a member. */
  lost: boolean;
  refresh(): Promise<void>;
  clearError(): void;
}

/**
 * The project, its members and my role, and its document's URL: from the server when it answers, else as
 * this device last saw them. Checked again when the window regains focus and every minute.
 */
export function useProject(projectId: string): ProjectState {
  const { api, cache } = useSignedIn();
  const [known, setKnown] = useState<KnownProject | null>(() => cache.get(`project:${projectId}`, CachedProject) ?? null);
  const [error, setError] = useState<string | null>(null);
  const [lost, setLost] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const [project, list] = await Promise.all([
        api.request('GET', routes.getProject.path.replace(':id', projectId), { response: ProjectResponse }),
        api.request('GET', routes.listFiles.path.replace(':id', projectId), { response: FilesResponse }),
      ]);
      const fresh = { project, projectDocUrl: list.projectDocUrl };
      cache.set(`project:${projectId}`, fresh);
      setKnown(fresh);
      setLost(false);
      setError(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.offline) return;
      if (failure instanceof ApiError && failure.status === 404) {
        cache.delete(`project:${projectId}`);
        setLost(true);
        setError('This project was deleted, or you are no longer a member: it is read-only here. Ask an owner to add you again.');
        return;
      }
      setError(messageOf(failure));
    }
  }, [api, cache, projectId]);

  useEffect(() => {
    void refresh();
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    const timer = setInterval(onFocus, RECHECK_MS);
    return () => {
      window.removeEventListener('focus', onFocus);
      clearInterval(timer);
    };
  }, [refresh]);

  return { known, error, lost, refresh, clearError: useCallback(() => setError(null), []) };
}
