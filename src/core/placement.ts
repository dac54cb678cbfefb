/**
 * Where a terminal runs, as the launcher needs it: this machine, or a remote host reached with
 * OpenSSH (core/hosts.ts). Everything that differs between the two is here: which environment
 * an agent starts from (cao-server's own here; the host's own there), the URL it reaches cao
 * at (a reverse forward on the host's loopback), where its private files go, and how a working
 * directory and a CLI are found.
 */
import { realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';
import { CaoError } from '../lib/errors.js';
import { expandHome } from '../lib/paths.js';
import type { HomeOverlay, LaunchFile } from '../providers/provider.js';
import { listLocalDir, readLocalFile, type DirEntry } from '../runtime/tmux/tmux-host.js';
import { queryReadOnly } from '../store/sqlite-open.js';
import type { CoreDeps } from './deps.js';
import { syncHomeOverlay } from './home-overlay.js';
import { removeTerminalFiles } from './terminal-files.js';
import { BLOCKED_DIRECTORIES } from './workdir.js';

export interface Placement {
  /** 'local' or a remote host's name. */
  host: string;
  /** Private folder (0700) for the terminal's files (launch file, token, prompts, MCP config). */
  tmpDir: string;
  /** cao-server's URL as the agents there reach it. */
  apiUrl: string;
  /** The environment an agent starts from, before the session's and cao's own variables. */
  baseEnv: Readonly<NodeJS.ProcessEnv>;
  /** The home `~` means in a working directory. */
  home: string;
  isRoot: boolean;
  rootOnlyDir: string | undefined;
  /** The CLI's path on that host's PATH (`path`: the agent's PATH, when cao knows it). */
  findBinary(binary: string, path: string | undefined): Promise<string | undefined>;
  /** The real path of a directory there, or undefined when it is none. */
  realDirectory(dir: string): Promise<string | undefined>;
  /** Writes one of the terminal's files there (only its owner may read it). */
  writeFile(file: LaunchFile): Promise<void>;
  /** Removes a terminal's files there (`{id}.*`). */
  removeTerminalFiles(terminalId: string): Promise<void>;
  /** Brings a CLI's stand-in home folder up to date there, before a launch. */
  syncHome(o: HomeOverlay): Promise<void>;
  /** Reads a file an agent wrote there (a session log); undefined when there is none. */
  readFile(path: string, maxBytes?: number): Promise<string | undefined>;
  /** The plain files of a folder there. */
  listDir(path: string): Promise<DirEntry[]>;
  /** A read-only query on a SQLite file there (OpenCode's sessions): its rows, undefined when
   *  the file cannot be read (callers fall back to the screen). On another host it runs through
   *  that host's own `sqlite3` (runtime/ssh/sqlite-cli.ts). */
  queryDb?(
    path: string,
    sql: string,
    params: readonly (string | number)[],
  ): Promise<Record<string, unknown>[] | undefined>;
}

/** This machine: cao-server's own environment, files in CAO_HOME/tmp (and the root-only dir). */
export function localPlacement(deps: CoreDeps): Placement {
  return {
    host: 'local',
    tmpDir: deps.paths.tmp,
    apiUrl: deps.apiUrl,
    baseEnv: deps.agentEnv,
    home: deps.home,
    isRoot: deps.isRoot,
    rootOnlyDir: deps.rootOnlyDir,
    findBinary: async (binary, path) => deps.findBinary(binary, path),
    realDirectory: async (dir) => {
      try {
        const real = realpathSync(dir);
        return statSync(real).isDirectory() ? real : undefined;
      } catch {
        return undefined;
      }
    },
    writeFile: async (f) => writeFileSync(f.path, f.content, { mode: f.mode ?? 0o600 }),
    removeTerminalFiles: async (id) => {
      removeTerminalFiles(deps, (t) => t === id);
    },
    syncHome: async (o) => syncHomeOverlay(o),
    readFile: async (path, maxBytes) => readLocalFile(path, maxBytes),
    listDir: async (path) => listLocalDir(path),
    queryDb: async (path, sql, params) => queryReadOnly(path, sql, params),
  };
}

/**
 * Expands `~` (the placement's home), requires an absolute path, finds the real directory
 * where the terminal runs and refuses system directories. Every error names the path the user
 * gave, the host when it is not this machine, and what to do.
 */
export async function resolveDirectoryOn(p: Placement, input: string): Promise<string> {
  const where = p.host === 'local' ? '' : ` on host ${p.host}`;
  const expanded = expandHome(input.trim(), p.home);
  if (!isAbsolute(expanded)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}' is not an absolute path. Pass a full path, e.g. --working-directory '/path/to/project'.`,
    );
  }
  const real = await p.realDirectory(expanded);
  if (real === undefined) {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}' does not exist${where}, or is not a directory. Create it or pass an existing directory with --working-directory.`,
    );
  }
  if (BLOCKED_DIRECTORIES.has(real)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}'${where} is a system directory; agents may not run there. Use a project directory.`,
    );
  }
  return real;
}

/** The name of a per-terminal file in the placement's folder (providers write there only). */
export function fileNameIn(p: Pick<Placement, 'tmpDir' | 'rootOnlyDir'>, file: LaunchFile): string {
  const dir = dirname(file.path);
  if (dir !== p.tmpDir && dir !== p.rootOnlyDir) {
    throw new CaoError('INTERNAL', `a terminal file outside cao's folders: ${file.path}`);
  }
  return basename(file.path);
}

/** Removes files written locally for a launch that did not happen. */
export function removeLocalFiles(files: readonly LaunchFile[]): void {
  for (const f of files) rmSync(f.path, { force: true });
}
