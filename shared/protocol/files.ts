import { z } from 'zod';
import { utf8Length, WorkspacePath } from './runs.js';

/** A file's content is at most this many bytes of UTF-8. */
export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_PROJECT_FILES = 2000;

/** A path in a project: the same rules as a sandbox's workspace, since a run copies the project there. */
export const ProjectPath = WorkspacePath;

export const FileContent = z.string().superRefine((text, context) => {
  const bytes = utf8Length(text);
  if (bytes > MAX_FILE_BYTES) {
    context.addIssue({
      code: 'custom',
      message: `A file has at most ${MAX_FILE_BYTES} bytes (1 MiB) of UTF-8; this one has ${bytes}. Split it into smaller files.`,
    });
  }
});

/** The project document: which files exist and where their documents are. Only the server writes it. */
export interface ProjectDocument {
  files: Record<string, { docUrl: string; language: string }>;
}

/** One text file: Automerge text, edited with `splice`. */
export interface FileDocument {
  content: string;
}

export const ProjectFileInfo = z.object({
  path: z.string(),
  /** automerge:… URL of the file's document. */
  docUrl: z.string(),
  language: z.string(),
  /** UTF-8 bytes. */
  size: z.number().int(),
  updatedAt: z.string().datetime(),
});
export type ProjectFileInfo = z.infer<typeof ProjectFileInfo>;

export const FilesResponse = z.object({
  /** The project document's URL: sync it to follow the file tree live. */
  projectDocUrl: z.string(),
  files: z.array(ProjectFileInfo),
});
export type FilesResponse = z.infer<typeof FilesResponse>;

export const CreateFileRequest = z.object({ path: ProjectPath, content: FileContent.default('') });
export type CreateFileRequest = z.input<typeof CreateFileRequest>;
export const FileResponse = z.object({ file: ProjectFileInfo });
export type FileResponse = z.infer<typeof FileResponse>;

export const FilePathQuery = z.object({ path: ProjectPath });

/** Renames or moves a file, or a folder with everything in it. */
export const MoveFileRequest = z.object({ from: ProjectPath, to: ProjectPath });
export type MoveFileRequest = z.infer<typeof MoveFileRequest>;
export const MovedFilesResponse = z.object({ files: z.array(ProjectFileInfo) });
export type MovedFilesResponse = z.infer<typeof MovedFilesResponse>;

const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  hh: 'cpp',
  java: 'java',
  go: 'go',
  sh: 'bash',
  bash: 'bash',
  json: 'json',
  md: 'markdown',
  html: 'html',
  css: 'css',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
  txt: 'plaintext',
};

/** The editor language of a path, from its extension; `plaintext` when unknown. */
export function languageForPath(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'Makefile') return 'makefile';
  if (name === 'Dockerfile') return 'dockerfile';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? (LANGUAGE_BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? 'plaintext') : 'plaintext';
}
