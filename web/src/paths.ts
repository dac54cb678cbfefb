/** Paths as the dashboard shows them: this machine's home directory as `~` (pure). */

let home = '';

/** cao-server's home directory (from `GET /auth/whoami`). */
export function setHomeDir(dir: string | undefined): void {
  home = (dir ?? '').replace(/\/+$/, '');
}

/** `/home/me/project` → `~/project` when cao-server's home is `/home/me`; else as it is. */
export function shortPath(path: string, homeDir: string = home): string {
  if (!homeDir || homeDir === '/') return path;
  if (path === homeDir) return '~';
  return path.startsWith(`${homeDir}/`) ? `~${path.slice(homeDir.length)}` : path;
}
