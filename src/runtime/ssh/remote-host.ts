/**
 * One remote host as cao uses it: its ssh link (ssh-host.ts), the tmux runtime that runs over
 * it (ssh-tmux-host.ts), and what cao asks the host itself: where its user's home is, which
 * tmux and agent CLIs it has, how much memory is free, whether a working directory exists.
 * Every question is a constant script; its variable parts (a binary's name, a directory) go
 * on stdin, never into the command line.
 */
import { CaoError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { HostLink } from '../hosts-runtime.js';
import { TmuxRuntime } from '../tmux/tmux-runtime.js';
import { SshHost } from './ssh-host.js';
import { SshTmuxHost } from './ssh-tmux-host.js';
import { bindSql, parseSqliteJson, QUERY_DB } from './sqlite-cli.js';
import { syncOverlayOn, type OverlaySpec } from './home-overlay-script.js';
import { absolutePath } from '../tmux/tmux-host.js';

/** Prints the home, tmux's version and the free memory; then, for each binary named on stdin
 *  (one a line), its path and the first line of `--version` (all at once, at most 10 s).
 *  Constant. */
const PROBE = [
  `printf 'home\\t%s\\n' "$HOME"`,
  `printf 'tmux\\t%s\\n' "$(tmux -V 2>/dev/null)"`,
  `printf 'mem\\t%s\\n' "$(awk '/^MemAvailable:/ {print $2; exit}' /proc/meminfo 2>/dev/null)"`,
  `t=; command -v timeout >/dev/null 2>&1 && t='timeout 10'`,
  // every CLI at once (each line is one short write, so lines never mix)
  `while IFS= read -r b; do (p=$(command -v -- "$b" 2>/dev/null) || exit 0; v=$($t "$p" --version 2>/dev/null </dev/null | head -n 1); printf 'cli\\t%s\\t%s\\t%s\\n' "$b" "$p" "$v") & done`,
  'wait',
  // one line: the words go through the host user's login shell, whichever it is
].join('; ');

/** Reads a binary's name from stdin and prints its path on the host's PATH. Constant. */
const WHICH = 'IFS= read -r b; command -v -- "$b"';

/** Reads a NUL-ended directory from stdin and prints its real path if it is one. Constant. */
const REAL_DIR = `IFS= read -r -d '' d; cd -- "$d" 2>/dev/null && pwd -P`;

export interface HostProbe {
  home: string;
  /** `tmux 3.3a`, or '' when tmux is missing. */
  tmux: string;
  /** MemAvailable in bytes, undefined when unknown. */
  memAvailable: number | undefined;
  clis: { binary: string; path: string; version: string }[];
}

/** Parses PROBE's output. Pure. */
export function parseProbe(stdout: string): HostProbe {
  const out: HostProbe = { home: '', tmux: '', memAvailable: undefined, clis: [] };
  for (const line of stdout.split('\n')) {
    const [kind, a = '', b = '', c = ''] = line.split('\t');
    if (kind === 'home') out.home = a;
    else if (kind === 'tmux') out.tmux = a.trim();
    else if (kind === 'mem')
      out.memAvailable = /^\d+$/.test(a.trim()) ? Number(a.trim()) * 1024 : undefined;
    else if (kind === 'cli' && a) out.clis.push({ binary: a, path: b, version: c.trim() });
  }
  return out;
}

export interface RemoteHostOptions {
  name: string;
  destination: string;
  /** CAO_SSH_CONFIG: ssh's -F. */
  configFile?: string | undefined;
  /** The master connection's socket (in a private folder of cao's). */
  controlPath: string;
  /** cao-server's API, forwarded to the host's loopback for its agents. */
  api: { host: string; port: number };
  /** The host's loopback port from before (so agents' URLs stay right), 0 for any. */
  remotePort?: number | undefined;
  /** The host user's home, when known (a private folder under it holds cao's files). */
  home?: string | undefined;
  log: Logger;
}

export class RemoteHost implements HostLink {
  readonly ssh: SshHost;
  readonly runtime: TmuxRuntime;
  private homeDir: string;
  private sqliteWarned = false;
  /** One stand-in home update at a time on this host (two launches never interleave). */
  private overlays: Promise<void> = Promise.resolve();

  constructor(private readonly o: RemoteHostOptions) {
    this.ssh = new SshHost({
      name: o.name,
      destination: o.destination,
      configFile: o.configFile,
      controlPath: o.controlPath,
      api: o.api,
      remotePort: o.remotePort,
      log: o.log,
    });
    this.homeDir = o.home ?? '';
    const tmux = new SshTmuxHost(o.name, this.ssh, () => this.tmpDir);
    this.runtime = new TmuxRuntime({ host: tmux, log: o.log });
  }

  /** cao's private folder on the host. */
  get tmpDir(): string {
    if (!this.homeDir) {
      throw new CaoError('UNAVAILABLE', `Host ${this.o.name} has not been reached yet.`, {
        details: { host: this.o.name, host_down: true },
      });
    }
    return `${this.homeDir}/.cao/tmp`;
  }

  get home(): string | undefined {
    return this.homeDir || undefined;
  }

  /** The port on the host's loopback that reaches cao-server (once forwarded). */
  get remotePort(): number | undefined {
    return this.ssh.remotePort;
  }

  /** The URL agents on this host use for cao's API and MCP tools. */
  get apiUrl(): string | undefined {
    const port = this.ssh.remotePort;
    return port === undefined ? undefined : `http://127.0.0.1:${port}`;
  }

  isUp(): boolean {
    return this.ssh.state === 'up';
  }

  onChange(listener: (up: boolean, reason: string) => void): () => void {
    let last = this.isUp();
    return this.ssh.onChange((e) => {
      const up = e.state === 'up';
      if (up === last || e.state === 'connecting') return;
      last = up;
      listener(up, e.problem?.message ?? e.state);
    });
  }

  /** Connects (once; the link reconnects by itself afterwards) and learns the host's home. */
  async connect(): Promise<void> {
    await this.ssh.connect();
    if (!this.homeDir) this.homeDir = (await this.probe([])).home;
  }

  /** Asks the host what it has (home, tmux, memory, these CLIs). */
  async probe(binaries: readonly string[]): Promise<HostProbe> {
    const r = await this.ssh.run(
      ['sh', '-c', PROBE],
      binaries.map((b) => `${b}\n`).join(''),
      30_000,
    );
    if (r.status !== 0) throw this.ssh.failure(r.stderr, r.status);
    const p = parseProbe(r.stdout);
    if (p.home) this.homeDir = p.home;
    return p;
  }

  /** The path of `binary` on the host's PATH (its ssh sessions'), or undefined. */
  async which(binary: string): Promise<string | undefined> {
    const r = await this.ssh.run(['sh', '-c', WHICH], `${binary}\n`);
    if (r.status === 255) throw this.ssh.failure(r.stderr, r.status);
    const out = r.stdout.trim();
    return r.status === 0 && out ? out : undefined;
  }

  /** The real path of `dir` on the host, or undefined when it is not a directory there. */
  async realDirectory(dir: string): Promise<string | undefined> {
    const r = await this.ssh.run(['bash', '-c', REAL_DIR], `${dir}\0`);
    if (r.status === 255) throw this.ssh.failure(r.stderr, r.status);
    const out = r.stdout.trim();
    return r.status === 0 && out ? out : undefined;
  }

  /**
   * A read-only query on a SQLite file on the host, with the host's own `sqlite3` (see
   * sqlite-cli.ts): its rows, or undefined when the file is not there or cannot be read that
   * way. The first time the host has no usable `sqlite3`, the log says so and what to do.
   */
  async queryDb(
    path: string,
    sql: string,
    params: readonly (string | number)[],
  ): Promise<Record<string, unknown>[] | undefined> {
    const r = await this.ssh.run(
      ['sh', '-c', QUERY_DB, 'sh', absolutePath(path)],
      bindSql(sql, params),
    );
    if (r.status === 255) throw this.ssh.failure(r.stderr, r.status);
    if (r.status === 3) return undefined;
    const rows = r.status === 0 ? parseSqliteJson(r.stdout) : undefined;
    if (rows === undefined && !this.sqliteWarned) {
      this.sqliteWarned = true;
      const why =
        r.status === 4
          ? 'has no sqlite3 on its PATH'
          : `could not read ${path} with sqlite3 (${r.stderr.trim().split('\n')[0] || `status ${r.status}`})`;
      this.o.log.warn(
        `host ${this.o.name} ${why}: OpenCode's answers and usage there are read from the screen. ` +
          'Install sqlite3 3.33 or later on that host (e.g. apt-get install sqlite3).',
      );
    }
    return rows;
  }

  /** Brings a CLI's stand-in home folder up to date on the host (home-overlay-script.ts). */
  syncHomeOverlay(o: OverlaySpec): Promise<void> {
    const run = async (words: readonly string[], input?: string) => {
      const r = await this.ssh.run(words, input);
      if (r.status === 255) throw this.ssh.failure(r.stderr, r.status);
      return r;
    };
    const next = this.overlays.then(() =>
      syncOverlayOn(run, (path) => this.runtime.readFile(path), o, this.o.name),
    );
    this.overlays = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.runtime.close().catch(() => {});
    await this.ssh.close();
  }
}
