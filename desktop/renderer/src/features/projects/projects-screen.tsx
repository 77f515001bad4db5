import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { ProjectResponse, ProjectsResponse, type Project } from '../../../../../shared/protocol/projects.js';
import { LanguagesResponse, type LanguageInfo } from '../../../../../shared/protocol/runs.js';
import { routes } from '../../../../../shared/protocol/routes.js';
import { useSignedIn } from '../../app-context.js';
import { ApiError, messageOf } from '../../services/api-client.js';
import { navigate } from '../../router.js';
import { TopBar } from '../workspace/top-bar.js';

const CachedProjects = z.array(ProjectsResponse.shape.projects.element);

/** My projects and those shared with me, with my role in each; create, open, rename, delete. */
export function ProjectsScreen() {
  const { api, cache } = useSignedIn();
  const [projects, setProjects] = useState<Project[] | null>(() => cache.get('projects', CachedProjects) ?? null);
  const [offline, setOffline] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [languages, setLanguages] = useState<LanguageInfo[]>(() => cache.get('languages', LanguagesResponse) ?? []);

  const load = useCallback(async () => {
    try {
      const { projects: list } = await api.request('GET', routes.listProjects.path, { response: ProjectsResponse });
      setProjects(list);
      setOffline(false);
      cache.set('projects', list);
    } catch (failure) {
      if (failure instanceof ApiError && failure.offline) setOffline(true);
      else setError(messageOf(failure));
    }
  }, [api, cache]);

  useEffect(() => {
    void load();
    api.request('GET', routes.languages.path, { response: LanguagesResponse }).then(
      (list) => (setLanguages(list), cache.set('languages', list)),
      () => undefined,
    );
  }, [api, cache, load]);

  return (
    <div className="page">
      <TopBar title="Projects" />
      <main className="projects">
        <CreateProject
          languages={languages}
          disabled={offline}
          onCreated={(project) => navigate({ name: 'workspace', projectId: project.id })}
        />
        {offline && (
          <p className="notice">You are offline: showing the projects this device knows. Projects opened here before still open.</p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {projects === null ? (
          <p className="muted">Loading projects…</p>
        ) : projects.length === 0 ? (
          <p className="muted">No projects yet. Create one above, or open an invite link someone sent you.</p>
        ) : (
          <ul className="project-list" aria-label="Projects">
            {projects.map((project) => (
              <ProjectRow key={project.id} project={project} offline={offline} onChanged={load} onError={setError} />
            ))}
          </ul>
        )}
      </main>
    </div>
  );
}

function CreateProject({
  languages,
  disabled,
  onCreated,
}: {
  languages: LanguageInfo[];
  disabled: boolean;
  onCreated(project: Project): void;
}) {
  const { api } = useSignedIn();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('python');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { project } = await api.request('POST', routes.createProject.path, {
        body: { name, ...(template ? { template } : {}) },
        response: ProjectResponse,
      });
      onCreated(project);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  }

  return (
    <form className="create-project" onSubmit={submit} aria-label="New project">
      <input
        aria-label="Project name"
        placeholder="New project name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        required
        maxLength={100}
      />
      <select aria-label="Template" value={template} onChange={(e) => setTemplate(e.target.value)}>
        <option value="">Empty project</option>
        {(languages.length ? languages : [{ id: 'python', name: 'Python' } as LanguageInfo]).map((language) => (
          <option key={language.id} value={language.id}>
            {language.name}
          </option>
        ))}
      </select>
      <button
        className="btn primary"
        type="submit"
        disabled={busy || disabled}
        title={disabled ? 'Creating a project needs the server' : undefined}
      >
        {busy ? 'Creating…' : 'Create project'}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

function ProjectRow({
  project,
  offline,
  onChanged,
  onError,
}: {
  project: Project;
  offline: boolean;
  onChanged(): void;
  onError(message: string): void;
}) {
  const { api, cache } = useSignedIn();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(project.name);

  async function rename(event: FormEvent) {
    event.preventDefault();
    try {
      await api.request('PATCH', routes.updateProject.path.replace(':id', project.id), { body: { name }, response: ProjectResponse });
      setRenaming(false);
      onChanged();
    } catch (failure) {
      onError(messageOf(failure));
    }
  }

  async function remove() {
    if (!window.confirm(`Delete "${project.name}" for everyone in it? Its files are deleted too; this cannot be undone.`)) return;
    try {
      await api.request('DELETE', routes.deleteProject.path.replace(':id', project.id));
      cache.delete(`project:${project.id}`);
      onChanged();
    } catch (failure) {
      onError(messageOf(failure));
    }
  }

  return (
    <li className="project-row" data-testid="project-row">
      {renaming ? (
        <form onSubmit={rename} className="rename">
          <input aria-label="New name" value={name} onChange={(e) => setName(e.target.value)} autoFocus maxLength={100} />
          <button className="btn small primary" type="submit">
            Save
          </button>
          <button className="btn small" type="button" onClick={() => (setRenaming(false), setName(project.name))}>
            Cancel
          </button>
        </form>
      ) : (
        <a
          className="project-name"
          href={`/projects/${project.id}`}
          onClick={(event) => {
            event.preventDefault();
            navigate({ name: 'workspace', projectId: project.id });
          }}
        >
          {project.name}
        </a>
      )}
      <span className={`role role-${project.role}`}>{project.role}</span>
      <span className="muted small">updated {new Date(project.updatedAt).toLocaleString()}</span>
      <span className="row-actions">
        {project.role !== 'viewer' && !renaming && (
          <button className="btn small" disabled={offline} onClick={() => setRenaming(true)}>
            Rename
          </button>
        )}
        {project.role === 'owner' && (
          <button className="btn small danger" disabled={offline} onClick={remove}>
            Delete
          </button>
        )}
      </span>
    </li>
  );
}
