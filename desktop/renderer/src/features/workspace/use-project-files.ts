import type { DocHandle } from '@automerge/automerge-repo/slim';
import { useEffect, useState } from 'react';
import type { ProjectDocument } from '../../../../../shared/protocol/files.js';

export type ProjectFiles = ProjectDocument['files'];

/** The project's file tree, live: the project document changes whenever anyone adds, moves or deletes a file. */
export function useProjectFiles(handle: DocHandle<ProjectDocument> | null): ProjectFiles {
  const [files, setFiles] = useState<ProjectFiles>(() => handle?.doc()?.files ?? {});
  useEffect(() => {
    if (!handle) return;
    const update = () => setFiles({ ...(handle.doc()?.files ?? {}) });
    update();
    handle.on('change', update);
    return () => void handle.off('change', update);
  }, [handle]);
  return files;
}
