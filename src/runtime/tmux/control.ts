/**
 * One tmux control-mode client (`tmux -C attach-session`) for one tmux session. It is both the
 * command channel (commands are lines on stdin, replies come back in %begin/%end blocks, no
 * process forked per command) and the change signal (`%output %N` says pane N changed; the
 * tracker reads the screen with capture-pane instead, and only live viewers of a pane decode
 * the bytes themselves).
 *
 * stdout is read as bytes: `%output` payloads are raw pane bytes (split anywhere, so a UTF-8
 * character may straddle two notifications) and are handed on one char per byte (latin1);
 * every other line is UTF-8 text.
 *
 * Attached with `ignore-size` so it never takes part in sizing the agent's window, and with
 * `pause-after` so a slow cao-server pauses its own view of a pane instead of back-pressuring
 * the agent (tmux stops reading a pane whose only clients cannot keep up).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { CaoError } from '../../lib/errors.js';
import { closesBlock, commandLine, parseControlLine, type ControlLine } from './protocol.js';

export interface ControlClientOptions {
  /** Starts `tmux <args>` with pipes, on the session's host (this machine, or over ssh). */
  spawn: (args: readonly string[]) => ChildProcessWithoutNullStreams;
  session: string;
  onEvent(event: ControlLine): void;
  onClose(reason: string): void;
  /** Attach only once this settles (the runtime makes attaches and session creation take turns). */
  gate?: Promise<unknown>;
}

interface Pending {
  args: readonly string[];
  resolve(lines: string[], mark: number): void;
  reject(err: Error): void;
}

/** Seconds of backlog after which tmux pauses our view of a pane (we only need "changed"). */
const PAUSE_AFTER_S = 1;

export class ControlClient {
  /** Spawned at once, or once `options.gate` opens. */
  private proc: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  private block: { time: string; num: string; ours: boolean; lines: string[] } | undefined;
  /** Pieces of a line not yet ended by a newline (an %output line can be long). */
  private partial: Buffer[] = [];
  /** Output notifications seen so far (see `commandWithMark`). */
  private outputs = 0;
  private closed = false;
  /** Until tmux has attached us (end of the attach command's own block), commands wait. */
  private ready = false;
  private readonly unsent: string[] = [];
  private closeReason = '';
  private readonly exited: Promise<void>;
  private readonly markExited: () => void;
  /** Settles once tmux attached this client, or it closed without attaching. */
  readonly attached: Promise<void>;
  private readonly markAttached: () => void;

  constructor(private readonly options: ControlClientOptions) {
    let exited!: () => void;
    this.exited = new Promise((resolve) => (exited = resolve));
    this.markExited = exited;
    let attached!: () => void;
    this.attached = new Promise((resolve) => (attached = resolve));
    this.markAttached = attached;
    if (options.gate) {
      void options.gate.then(() => {
        if (this.closed) this.markExited();
        else this.spawn();
      });
    } else this.spawn();
  }

  private spawn(): void {
    const proc = this.options.spawn([
      '-C',
      'attach-session',
      '-t',
      `=${this.options.session}`,
      '-f',
      `ignore-size,pause-after=${PAUSE_AFTER_S}`,
    ]);
    this.proc = proc;
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    let stderr = '';
    proc.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    proc.stdin.on('error', () => {
      // EPIPE when tmux went away first; the exit handler reports it
    });
    proc.on('error', (err) => {
      this.finish(`tmux control client failed to start: ${err.message}`);
      this.markExited();
    });
    proc.on('exit', (code, signal) => {
      const why = stderr.trim() || this.closeReason || `tmux exited (${signal ?? code})`;
      this.finish(why);
      this.markExited();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs one tmux command; resolves with its output lines, rejects with its error lines. */
  command(args: readonly string[]): Promise<string[]> {
    return this.commandWithMark(args).then((r) => r.lines);
  }

  /** How many output notifications this client has passed on so far. */
  get outputCount(): number {
    return this.outputs;
  }

  /**
   * Like `command`, plus `mark`: the `outputCount` when the reply arrived. tmux orders replies
   * and notifications, so output counted up to `mark` was already on the pane when the command
   * ran, and output counted after it was not.
   */
  commandWithMark(args: readonly string[]): Promise<{ lines: string[]; mark: number }> {
    if (this.closed) {
      return Promise.reject(
        new CaoError('UNAVAILABLE', `tmux control client for ${this.options.session} is closed`),
      );
    }
    const line = commandLine(args);
    return new Promise((resolve, reject) => {
      this.pending.push({ args, resolve: (lines, mark) => resolve({ lines, mark }), reject });
      // a command sent before the attach completes fails with "no current client"
      if (this.ready) this.proc?.stdin.write(`${line}\n`);
      else this.unsent.push(line);
    });
  }

  /** Detaches (closing stdin ends the client) and waits for the process to go. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closeReason = 'closed by cao';
    const proc = this.proc;
    if (!proc) {
      // not attached yet: it never will be
      this.finish('closed by cao');
      return;
    }
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill('SIGTERM'), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  private onData(chunk: Buffer): void {
    const first = chunk.indexOf(0x0a);
    if (first < 0) {
      this.partial.push(chunk);
      return;
    }
    let buf = chunk;
    let nl = first;
    if (this.partial.length > 0) {
      const before = this.partial.reduce((n, b) => n + b.length, 0);
      buf = Buffer.concat([...this.partial, chunk]);
      this.partial = [];
      nl = before + first;
    }
    let start = 0;
    for (; nl >= 0; nl = buf.indexOf(0x0a, start)) {
      const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      const raw = !this.block && (startsWith(buf, start, OUTPUT) || startsWith(buf, start, EXT));
      this.onLine(buf.toString(raw ? 'latin1' : 'utf8', start, end));
      start = nl + 1;
    }
    if (start < buf.length) this.partial.push(Buffer.from(buf.subarray(start)));
  }

  private onLine(line: string): void {
    if (this.block) {
      const end = closesBlock(line, this.block);
      if (!end) {
        this.block.lines.push(line);
        return;
      }
      const { ours, lines } = this.block;
      this.block = undefined;
      // Blocks with flags 0 are not replies to our stdin (the attach command's own block).
      if (!ours) {
        this.markReady();
        return;
      }
      const p = this.pending.shift();
      if (!p) return;
      if (end === 'end') p.resolve(lines, this.outputs);
      else {
        p.reject(
          new CaoError('UNAVAILABLE', `tmux ${p.args[0]} failed: ${lines.join(' ').trim()}`, {
            details: { tmux: lines },
          }),
        );
      }
      return;
    }
    if (!line.startsWith('%')) return;
    const parsed = parseControlLine(line);
    if (parsed.kind === 'begin') {
      this.block = { time: parsed.time, num: parsed.num, ours: parsed.flags === 1, lines: [] };
      return;
    }
    if (parsed.kind === 'pause') {
      // we were too slow for this pane: take the view back and treat it as changed
      this.command(['refresh-client', '-A', `${parsed.paneId}:continue`]).catch(() => {});
    }
    if (parsed.kind === 'output') this.outputs++;
    if (parsed.kind === 'exit') this.closeReason = parsed.reason || 'session closed';
    else this.markReady();
    this.options.onEvent(parsed);
  }

  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.markAttached();
    for (const line of this.unsent.splice(0)) this.proc?.stdin.write(`${line}\n`);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.markAttached();
    const err = new CaoError('UNAVAILABLE', `tmux control client closed: ${reason}`);
    for (const p of this.pending.splice(0)) p.reject(err);
    this.options.onClose(reason);
  }
}

const OUTPUT = Buffer.from('%output ');
const EXT = Buffer.from('%extended-output ');

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  return (
    buf.length - at >= prefix.length &&
    buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0
  );
}
