/**
 * The Debian mirror this machine's apt uses, read from its sources (one-line `deb` and deb822 formats),
 * so a base image can be bootstrapped from the same place without naming any host in our code.
 */
export function debianMirror(files: Array<{ path: string; content: string }>, suite = 'bookworm'): string | undefined {
  for (const file of files) {
    if (file.path.endsWith('.sources')) {
      for (const stanza of file.content.split(/\n\s*\n/)) {
        const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        if (field('Enabled')?.toLowerCase() === 'no') continue;
        const types = field('Types')?.split(/\s+/) ?? [];
        const suites = field('Suites')?.split(/\s+/) ?? [];
        const uri = field('URIs')?.split(/\s+/).find(isMainArchive);
        if (types.includes('deb') && suites.includes(suite) && uri) return uri;
      }
    } else {
      for (const line of file.content.split('\n')) {
        const match = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (match && match[2] === suite && isMainArchive(match[1]!)) return match[1];
      }
    }
  }
  return undefined;
}

function isMainArchive(uri: string): boolean {
  return /^https?:\/\//.test(uri) && !/security/.test(uri);
}
