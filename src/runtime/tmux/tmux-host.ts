/**
 * Where a tmux server runs, and how to reach it: the one thing that differs between this
 * machine and a remote host. The tmux runtime (tmux-runtime.ts) speaks tmux through this seam
 * only, so status detection, capture, paste, live terminals and launches work the same on
 * every host. Implementations: `LocalTmuxHost` (here), `SshTmuxHost` (../ssh/ssh-tmux-host.ts).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CaoError } from '../../lib/errors.js';
import type { TmuxSocket } from '../../lib/config.js';

export interface TmuxHost {
  /** 'local', or the cao name of a remote host. */
  readonly name: string;
  /** A private folder (0700) on the host for launch files and per-terminal files. */
  readonly tmpDir: string;
  /** Which tmux server this is, for messages ("the default tmux server", "tmux on host b"). */
  readonly label: string;
  /** Runs `tmux <args>` as its own process, `input` on its stdin; its stdout lines. */
  tmux(args: readonly string[], input?: string): Promise<string[]>;
  /** Starts `tmux <args>` with pipes (a control-mode client). */
  spawnTmux(args: readonly string[]): ChildProcessWithoutNullStreams;
  /** Writes a file only its owner can read, in `tmpDir` (`name` is a plain file name). */
  writePrivateFile(name: string, content: string): Promise<string>;
  /** Removes files of `tmpDir` whose names start with `prefix` followed by a dot. */
  removePrivateFiles(prefix: string): Promise<void>;
  /**
   * Ends what is still alive of these process groups a moment from now (agents that ignore
   * the SIGHUP tmux sends when their window is killed).
   */
  reapLater(pids: readonly number[]): void;
  /** Reads a file an agent wrote there (its session log), at most `maxBytes` from its start
   *  when given; undefined when there is no such file. `path` is absolute. */
  readFile(path: string, maxBytes?: number): Promise<string | undefined>;
  /** The plain files in a folder there (none when it does not exist). `path` is absolute. */
  listDir(path: string): Promise<DirEntry[]>;
}

/** A file in a folder (`TmuxHost.listDir`). */
export interface DirEntry {
  name: string;
  size: number;
  mtimeMs: number;
}

/** An absolute path cao built (a log's place under a home), checked before it is used. */
export function absolutePath(path: string): string {
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\n')) {
    throw new CaoError('INTERNAL', `not an absolute path: ${JSON.stringify(path)}`);
  }
  return path;
}

/** Reads a file on this machine (see TmuxHost.readFile). */
export function readLocalFile(path: string, maxBytes?: number): string | undefined {
  try {
    if (maxBytes === undefined) return readFileSync(absolutePath(path), 'utf8');
    const fd = openSync(absolutePath(path), 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const n = readSync(fd, buf, 0, maxBytes, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof CaoError) throw e;
    return undefined;
  }
}

/** The plain files of a folder on this machine (see TmuxHost.listDir). */
export function listLocalDir(path: string): DirEntry[] {
  let names: string[];
  try {
    names = readdirSync(absolutePath(path));
  } catch (e) {
    if (e instanceof CaoError) throw e;
    return [];
  }
  const out: DirEntry[] = [];
  for (const name of names) {
    try {
      const st = statSync(join(path, name));
      if (st.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** The error a failed tmux command gives, the same on every host. */
export function tmuxError(args: readonly string[], stderr: string, cause: unknown): CaoError {
  return new CaoError('UNAVAILABLE', `tmux ${args[0]} failed: ${stderr.trim() || String(cause)}`, {
    cause,
  });
}

export interface LocalTmuxHostOptions {
  socket: TmuxSocket;
  /** Private directory (0700) for launch files. */
  tmpDir: string;
  /** `-f` config file used when tmux starts its server (tests: /dev/null). */
  configFile?: string | undefined;
  binary?: string | undefined;
}

/** How long an agent gets to exit on tmux's SIGHUP before its process group is killed. */
const REAP_AFTER_MS = 3000;

/** This machine's tmux server: the user's own, or the socket CAO_TMUX_SOCKET names. */
export class LocalTmuxHost implements TmuxHost {
  readonly name = 'local';
  readonly tmpDir: string;
  readonly label: string;
  private readonly baseArgs: string[] = [];

  constructor(private readonly o: LocalTmuxHostOptions) {
    this.tmpDir = o.tmpDir;
    this.label = o.socket.path
      ? `tmux -S ${o.socket.path}`
      : o.socket.name
        ? `tmux -L ${o.socket.name}`
        : 'the default tmux server';
    if (o.socket.path) this.baseArgs.push('-S', o.socket.path);
    else if (o.socket.name) this.baseArgs.push('-L', o.socket.name);
    if (o.configFile) this.baseArgs.push('-f', o.configFile);
  }

  tmux(args: readonly string[], input?: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        this.o.binary ?? 'tmux',
        [...this.baseArgs, ...args],
        { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (err) {
            const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
            reject(
              notFound
                ? new CaoError(
                    'UNAVAILABLE',
                    'tmux is not installed (not found on PATH). Install it, e.g. `apt-get install tmux` or `brew install tmux`.',
                    { cause: err },
                  )
                : tmuxError(args, stderr, err.message),
            );
            return;
          }
          resolve(stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'));
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  spawnTmux(args: readonly string[]): ChildProcessWithoutNullStreams {
    return spawn(this.o.binary ?? 'tmux', [...this.baseArgs, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  async writePrivateFile(name: string, content: string): Promise<string> {
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    const file = join(this.tmpDir, plainName(name));
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  async removePrivateFiles(prefix: string): Promise<void> {
    let names: string[] = [];
    try {
      names = readdirSync(this.tmpDir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(`${plainName(prefix)}.`))
        rmSync(join(this.tmpDir, n), { recursive: true, force: true });
    }
  }

  reapLater(pids: readonly number[]): void {
    if (pids.length === 0) return;
    setTimeout(() => {
      for (const pid of pids) {
        for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
          try {
            process.kill(-pid, sig);
          } catch {
            break; // the group is gone
          }
        }
      }
    }, REAP_AFTER_MS).unref();
  }

  async readFile(path: string, maxBytes?: number): Promise<string | undefined> {
    return readLocalFile(path, maxBytes);
  }

  async listDir(path: string): Promise<DirEntry[]> {
    return listLocalDir(path);
  }
}

/** A file name cao makes (terminal ids, fixed suffixes): never a path. */
export function plainName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new CaoError('INTERNAL', `not a plain file name: ${JSON.stringify(name)}`);
  }
  return name;
}
