/**
 * One remote host's connection: a master ssh connection (ControlMaster) that every command and
 * every tmux control client of that host goes through, and a reverse forward from the host's
 * loopback to cao-server, through which the agents there reach cao's API and MCP tools.
 *
 * The link may drop at any time (a network outage, a killed ssh). The agents keep running in
 * the host's tmux; this class notices (ssh's keep-alives end the master), says so, and connects
 * again with backoff. The forward keeps the port it first got, so the agents' URLs stay right
 * across reconnects: it is asked for again, on a timer, until the host's sshd has let go of the
 * old one (which can take a while after an unclean drop).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstatSync, unlinkSync } from 'node:fs';
import { errorMessage, type CaoError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { allocatedPort, commandArgs, controlArgs, masterArgs, type SshTarget } from './ssh-args.js';
import { classifySshFailure, sshError, type SshProblem } from './ssh-errors.js';

export interface SshHostOptions extends Omit<SshTarget, 'controlPath'> {
  /** cao's name for the host. */
  name: string;
  /** The master connection's socket path (in a private folder). */
  controlPath: string;
  /** cao-server's API, which the host's loopback forwards to. */
  api?: { host: string; port: number } | undefined;
  /** The remote port to ask for (the one the host had before), 0 = any. */
  remotePort?: number | undefined;
  log: Logger;
  binary?: string | undefined;
  /** Reconnect backoff (ms); the last one repeats. */
  backoffMs?: readonly number[];
}

export interface SshResult {
  stdout: string;
  stderr: string;
  status: number;
}

export type HostState = 'connecting' | 'up' | 'down' | 'closed';

export interface HostEvent {
  state: HostState;
  /** Why it is down. */
  problem?: SshProblem | undefined;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 20_000];
/** How long a new master may take to authenticate. */
const CONNECT_TIMEOUT_MS = 20_000;
/** How often a forward that sshd refused (its old one still held) is asked for again. */
const FORWARD_RETRY_MS = 2000;

export class SshHost {
  private master: ChildProcessWithoutNullStreams | undefined;
  private stateNow: HostState = 'connecting';
  private problemNow: SshProblem | undefined;
  private readonly listeners = new Set<(e: HostEvent) => void>();
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private forwardTimer: NodeJS.Timeout | undefined;
  private port: number | undefined;
  private upWaiters: ((ok: boolean) => void)[] = [];

  constructor(private readonly o: SshHostOptions) {
    this.port = o.remotePort || undefined;
  }

  get state(): HostState {
    return this.stateNow;
  }

  get problem(): SshProblem | undefined {
    return this.problemNow;
  }

  /** The loopback port on the host that reaches cao-server (once the forward is up). */
  get remotePort(): number | undefined {
    return this.port;
  }

  /** Whether the forward to cao-server is in place. */
  forwarding = false;

  onChange(l: (e: HostEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Starts connecting (and keeps reconnecting) until `close()`. Resolves once up, or rejects
   *  with the first failure (connection keeps being retried in the background). */
  async connect(): Promise<void> {
    if (this.stateNow === 'up') return;
    const up = new Promise<boolean>((resolve) => this.upWaiters.push(resolve));
    if (!this.master && !this.retryTimer) this.startMaster();
    if (!(await up)) throw sshError(this.o.name, this.problemNow ?? this.generic('not connected'));
  }

  /** Runs `words` on the host (through the master connection), `input` on its stdin. */
  run(words: readonly string[], input?: string | Buffer, timeoutMs = 60_000): Promise<SshResult> {
    return new Promise((resolve) => {
      const child = execFile(
        this.o.binary ?? 'ssh',
        commandArgs(this.target(), words),
        { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
        (err, stdout, stderr) => {
          const status = err ? (typeof err.code === 'number' ? err.code : 255) : 0;
          resolve({ stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), status });
        },
      );
      child.stdin?.on('error', () => {});
      child.stdin?.end(input ?? '');
    });
  }

  /** ssh's own failure (`stderr`, exit `status`) as cao's error; a dropped link is noticed. */
  failure(stderr: string, status: number): CaoError {
    const p = classifySshFailure(this.o.name, this.o.destination, stderr, status);
    if (p.kind === 'unreachable' && status === 255) this.noticeDown(p);
    return sshError(this.o.name, p);
  }

  /**
   * Runs `words` and returns stdout; a failure of ssh itself (status 255: the link) or of the
   * command is a CaoError saying which and what to do.
   */
  async exec(words: readonly string[], input?: string | Buffer): Promise<string> {
    const r = await this.run(words, input);
    if (r.status === 0) return r.stdout;
    throw this.failure(r.stderr, r.status);
  }

  /** A long-running command on the host with pipes (a tmux control client). */
  spawn(words: readonly string[]): ChildProcessWithoutNullStreams {
    return spawn(this.o.binary ?? 'ssh', commandArgs(this.target(), words), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  async close(): Promise<void> {
    this.setState('closed');
    clearTimeout(this.retryTimer);
    clearTimeout(this.forwardTimer);
    const m = this.master;
    this.master = undefined;
    if (m && m.exitCode === null) {
      await new Promise<void>((resolve) => {
        execFile(this.o.binary ?? 'ssh', controlArgs(this.target(), 'exit'), () => resolve());
      });
      m.kill('SIGTERM');
    }
    for (const w of this.upWaiters.splice(0)) w(false);
  }

  private target(): SshTarget {
    return {
      destination: this.o.destination,
      configFile: this.o.configFile,
      controlPath: this.o.controlPath,
    };
  }

  private generic(why: string): SshProblem {
    return classifySshFailure(this.o.name, this.o.destination, why, 255);
  }

  private startMaster(): void {
    if (this.stateNow === 'closed') return;
    this.setState('connecting');
    // a master left by a cao-server that was killed still holds the socket and the forwards
    // (the agents' port, the user's RemoteForward lines): end it first, so they are given anew
    execFile(this.o.binary ?? 'ssh', controlArgs(this.target(), 'exit'), (exitErr) => {
      // a master that was killed (SIGKILL, OOM) leaves its socket behind; a new master would
      // then run without multiplexing ("already exists, disabling multiplexing") and never
      // answer `-O check`. Nothing answered `-O exit`, so the socket is stale: remove it.
      if (exitErr) removeStaleSocket(this.o.controlPath);
      this.spawnMaster();
    });
  }

  private spawnMaster(): void {
    if (this.stateNow === 'closed') return;
    const m = spawn(this.o.binary ?? 'ssh', masterArgs(this.target(), undefined), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.master = m;
    let stderr = '';
    m.stderr.setEncoding('utf8');
    m.stderr.on('data', (d: string) => (stderr += d));
    m.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      if (this.stateNow === 'connecting') m.kill('SIGTERM');
    }, CONNECT_TIMEOUT_MS);
    m.on('exit', (code) => {
      clearTimeout(timer);
      if (this.master !== m) return;
      this.master = undefined;
      this.forwarding = false;
      clearTimeout(this.forwardTimer);
      if (this.stateNow === 'closed') return;
      const p = classifySshFailure(
        this.o.name,
        this.o.destination,
        stderr || `ssh exited (${code})`,
        code ?? 255,
      );
      this.o.log.warn('ssh link down', {
        host: this.o.name,
        problem: p.kind,
        stderr: stderr.trim().slice(-400),
      });
      this.noticeDown(p);
    });
    m.on('error', (e) => {
      clearTimeout(timer);
      this.noticeDown(this.generic(e.message));
    });
    void this.waitForMaster(m).then((ok) => {
      clearTimeout(timer);
      if (!ok || this.master !== m || this.stateNow === 'closed') return;
      this.attempt = 0;
      this.setState('up');
      void this.requestForward();
    });
  }

  /** Polls `ssh -O check` until the master answers (it is authenticated) or exits. */
  private async waitForMaster(m: ChildProcessWithoutNullStreams): Promise<boolean> {
    const end = Date.now() + CONNECT_TIMEOUT_MS;
    while (Date.now() < end && m.exitCode === null && this.master === m) {
      const ok = await new Promise<boolean>((resolve) => {
        execFile(this.o.binary ?? 'ssh', controlArgs(this.target(), 'check'), (err) =>
          resolve(!err),
        );
      });
      if (ok) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Adds the reverse forward to the master; asks again until sshd grants the same port. */
  private async requestForward(): Promise<void> {
    if (!this.o.api || this.stateNow !== 'up') return;
    const spec = `127.0.0.1:${this.port ?? 0}:${this.o.api.host}:${this.o.api.port}`;
    const r = await new Promise<{ ok: boolean; out: string }>((resolve) => {
      execFile(
        this.o.binary ?? 'ssh',
        [...forwardArgs(this.target()), spec, '--', this.o.destination],
        (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}` }),
      );
    });
    if (this.stateNow !== 'up') return;
    if (r.ok) {
      // with port 0, ssh prints the port sshd chose ("Allocated port N …" or just N)
      this.port ??= allocatedPort(r.out) ?? (Number(r.out.trim()) || undefined);
      this.forwarding = this.port !== undefined;
      this.emit();
      return;
    }
    this.o.log.info('reverse forward refused for now; asking again', {
      host: this.o.name,
      port: this.port,
      said: r.out.trim(),
    });
    this.forwardTimer = setTimeout(() => void this.requestForward(), FORWARD_RETRY_MS);
  }

  private noticeDown(p: SshProblem): void {
    if (this.stateNow === 'closed') return;
    this.problemNow = p;
    const wasDown = this.stateNow === 'down';
    this.setState('down');
    for (const w of this.upWaiters.splice(0)) w(false);
    if (this.master) {
      // a command saw the link fail before the master did: end it, so it is made again
      this.master.kill('SIGTERM');
      return;
    }
    if (wasDown && this.retryTimer) return;
    const backoff = this.o.backoffMs ?? BACKOFF_MS;
    const wait = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 20_000;
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startMaster();
    }, wait);
  }

  private setState(s: HostState): void {
    if (s === 'up') this.problemNow = undefined;
    const changed = s !== this.stateNow;
    this.stateNow = s;
    if (s === 'up') for (const w of this.upWaiters.splice(0)) w(true);
    if (changed) this.emit();
  }

  private emit(): void {
    const e: HostEvent = { state: this.stateNow, problem: this.problemNow };
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.log.warn('host listener failed', { host: this.o.name, error: errorMessage(err) });
      }
    }
  }
}

/** Removes `path` when it is a socket (one no master answers on, as the caller checked). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent, or not ours to remove: ssh says so when it starts
  }
}

/** `ssh -O forward -R`: the spec and destination follow. */
function forwardArgs(t: SshTarget): string[] {
  return [
    ...(t.configFile ? ['-F', t.configFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    `ControlPath=${t.controlPath}`,
    '-O',
    'forward',
    '-R',
  ];
}
