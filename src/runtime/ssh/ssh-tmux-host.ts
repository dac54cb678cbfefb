/**
 * A remote host's tmux server, reached through its ssh connection (ssh-host.ts): the same
 * seam as this machine's (tmux/tmux-host.ts), so the tmux runtime runs unchanged over ssh.
 *
 * What crosses the connection: tmux commands whose words are cao's own values (validated
 * names, ids, formats: ssh-args.ts quotes each), constant shell scripts whose arguments are cao's
 * own values, and everything else, text from users and agents included (pasted text, launch
 * files with the agent's environment and argv, per-terminal files), on stdin. The host needs
 * tmux and the agent CLIs, nothing of cao's.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { CaoError } from '../../lib/errors.js';
import {
  absolutePath,
  plainName,
  tmuxError,
  type DirEntry,
  type TmuxHost,
} from '../tmux/tmux-host.js';
import type { SshHost } from './ssh-host.js';

/** Writes stdin to "$1/$2" (creating "$1" 0700), only its owner may read it. Constant. */
const WRITE_PRIVATE = 'umask 077 && mkdir -p -- "$1" && chmod 700 -- "$1" && cat > "$1/$2"';
/** Removes "$1/$2".* (a terminal's files). Constant. */
const REMOVE_PREFIXED = 'for f in "$1/$2".*; do [ -e "$f" ] && rm -rf -- "$f"; done; true';
/** Ends the process groups given as arguments: TERM, then KILL. Constant. */
const REAP =
  'for p; do kill -TERM -- "-$p" 2>/dev/null; kill -KILL -- "-$p" 2>/dev/null; done; true';

/** Prints the file "$1" (its first "$2" bytes unless "$2" is 0); status 3 when it is none. Constant. */
export const READ_FILE =
  '[ -f "$1" ] || exit 3; if [ "$2" = 0 ]; then cat -- "$1"; else head -c "$2" -- "$1"; fi';
/** Lists the plain files of "$1" as `mtime size name` lines (none when it is no folder). Constant. */
export const LIST_DIR =
  '[ -d "$1" ] || exit 0; find "$1" -mindepth 1 -maxdepth 1 -type f -printf \'%T@ %s %f\\n\'';

/** How long an agent gets to exit on tmux's SIGHUP before its process group is killed. */
const REAP_AFTER_MS = 3000;

export class SshTmuxHost implements TmuxHost {
  readonly label: string;

  constructor(
    readonly name: string,
    private readonly ssh: SshHost,
    /** The private folder on the host (absolute; under the host user's HOME, known once reached). */
    private readonly tmpDirOf: () => string,
  ) {
    this.label = `tmux on host ${name}`;
  }

  get tmpDir(): string {
    return this.tmpDirOf();
  }

  async tmux(args: readonly string[], input?: string): Promise<string[]> {
    const r = await this.ssh.run(['tmux', ...args], input);
    if (r.status === 0) return r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n');
    if (r.status === 255 || r.status === 127) throw this.ssh.failure(r.stderr, r.status);
    throw tmuxError(args, r.stderr, `status ${r.status}`);
  }

  spawnTmux(args: readonly string[]): ChildProcessWithoutNullStreams {
    return this.ssh.spawn(['tmux', ...args]);
  }

  async writePrivateFile(name: string, content: string): Promise<string> {
    const r = await this.ssh.run(
      ['sh', '-c', WRITE_PRIVATE, 'sh', this.tmpDir, plainName(name)],
      content,
    );
    if (r.status !== 0) {
      throw new CaoError(
        'UNAVAILABLE',
        `Could not write ${name} on host ${this.name}: ${r.stderr.trim() || `status ${r.status}`}`,
        { details: { host: this.name } },
      );
    }
    return `${this.tmpDir}/${name}`;
  }

  async removePrivateFiles(prefix: string): Promise<void> {
    await this.ssh.run(['sh', '-c', REMOVE_PREFIXED, 'sh', this.tmpDir, plainName(prefix)]);
  }

  reapLater(pids: readonly number[]): void {
    const groups = pids.filter((p) => Number.isInteger(p) && p > 1).map(String);
    if (groups.length === 0) return;
    setTimeout(() => void this.ssh.run(['sh', '-c', REAP, 'sh', ...groups]), REAP_AFTER_MS).unref();
  }

  async readFile(path: string, maxBytes?: number): Promise<string | undefined> {
    const r = await this.ssh.run([
      'sh',
      '-c',
      READ_FILE,
      'sh',
      absolutePath(path),
      String(maxBytes ?? 0),
    ]);
    if (r.status === 0) return r.stdout;
    if (r.status === 3) return undefined;
    throw new CaoError(
      'UNAVAILABLE',
      `Could not read ${path} on host ${this.name}: ${r.stderr.trim() || `status ${r.status}`}`,
      { details: { host: this.name } },
    );
  }

  async listDir(path: string): Promise<DirEntry[]> {
    const r = await this.ssh.run(['sh', '-c', LIST_DIR, 'sh', absolutePath(path)]);
    if (r.status !== 0) return [];
    const out: DirEntry[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^(\d+(?:\.\d+)?) (\d+) (.+)$/.exec(line);
      if (m)
        out.push({ name: m[3]!, size: Number(m[2]), mtimeMs: Math.round(Number(m[1]) * 1000) });
    }
    return out;
  }
}
