/** A folder of the tree: folders first, then files, each sorted by name as file managers do. */
export interface TreeFolder {
  name: string;
  path: string;
  folders: TreeFolder[];
  files: Array<{ name: string; path: string }>;
}

/** The tree of a project's flat path list; `extraFolders` are folders made here that hold no file yet. */
export function buildTree(paths: readonly string[], extraFolders: readonly string[] = []): TreeFolder {
  const root: TreeFolder = { name: '', path: '', folders: [], files: [] };
  const folderAt = (parts: string[]): TreeFolder => {
    let folder = root;
    for (const [index, part] of parts.entries()) {
      let next = folder.folders.find((child) => child.name === part);
      if (!next) {
        next = { name: part, path: parts.slice(0, index + 1).join('/'), folders: [], files: [] };
        folder.folders.push(next);
      }
      folder = next;
    }
    return folder;
  };
  for (const folder of extraFolders) folderAt(folder.split('/'));
  for (const path of paths) {
    const parts = path.split('/');
    const name = parts.pop() as string;
    folderAt(parts).files.push({ name, path });
  }
  const sort = (folder: TreeFolder) => {
    folder.folders.sort((a, b) => a.name.localeCompare(b.name));
    folder.files.sort((a, b) => a.name.localeCompare(b.name));
    folder.folders.forEach(sort);
  };
  sort(root);
  return root;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function joinPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}
