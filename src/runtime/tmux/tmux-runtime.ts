/**
 * The tmux implementation of the terminal runtime (one class for the whole interface; live
 * viewers of panes are in pane-viewers.ts).
 *
 * - Commands that carry anything from outside (the launch file path, session and window names)
 *   go through `execFile('tmux', argv)`: tmux never parses them as a command string.
 * - Hot-path commands with only our own values (capture-pane, send-keys, paste-buffer) go over
 *   the session's control-mode client when one is attached, with no fork.
 * - The agent process gets its environment and argv from a private launch file read by a
 *   constant bash script (`LAUNCHER`), so secrets never appear in any process's argv and
 *   nothing the user typed is ever parsed by a shell or by tmux.
 *
 * Over 500 lines because it is one class for one seam (TerminalRuntime over tmux): the
 * command paths, the turn-taking that keeps tmux 3.3a alive and the control clients share state;
 * what could stand alone (viewers, sizes, launch files, the protocol) already lives beside it.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { CaoError, errorMessage } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import {
  isHostUnreachable,
  sanitizePaste,
  type CaptureOptions,
  type PaneRef,
  type PaneViewer,
  type PaneState,
  type RuntimeListener,
  type RuntimeProbe,
  type SessionState,
  type TerminalRuntime,
  type WindowSpec,
} from '../runtime.js';
import { ControlClient } from './control.js';
import { LAUNCHER, launchRecords } from './launch-file.js';
import { PaneViewers } from './pane-viewers.js';
import type { DirEntry, TmuxHost } from './tmux-host.js';
import { ViewSizes } from './view-sizes.js';

export { LAUNCHER };

const SESSION_FORMAT = '#{session_name}\t#{session_attached}\t#{session_created}';
const PANE_FORMAT = [
  '#{session_name}',
  '#{window_id}',
  '#{window_name}',
  '#{pane_id}',
  '#{pane_dead}',
  '#{pane_dead_status}',
  '#{@cao_terminal_id}',
  '#{@cao_labels}',
  '#{pane_current_command}',
  '#{pane_current_path}',
  '#{pane_in_mode}',
].join('\t');

export interface TmuxRuntimeOptions {
  /** Where the tmux server is and how to reach it (this machine, or a host over ssh). */
  host: TmuxHost;
  log: Logger;
}

interface Watch {
  client: ControlClient;
  listeners: Set<RuntimeListener>;
  /** tmux has attached the client: it counts in `#{session_attached}`. */
  joined: boolean;
}

/** Bytes per `send-keys -H` command when writing to a pane. */
const WRITE_CHUNK = 256;

export class TmuxRuntime implements TerminalRuntime {
  readonly kind = 'tmux';
  private readonly watches = new Map<string, Watch>();
  /** Live viewers of panes (the dashboard's terminals). */
  private readonly viewers: PaneViewers;
  /** Windows resized for their viewers, put back when the viewers leave. */
  private readonly sizes: ViewSizes;
  private readonly host: TmuxHost;

  constructor(private readonly options: TmuxRuntimeOptions) {
    this.host = options.host;
    this.viewers = new PaneViewers({
      paneState: (paneId) => this.paneState(paneId),
      watch: (session, listener) => this.watch(session, listener),
      client: (session) => this.watches.get(session)?.client,
      left: (paneId) => void this.sizes.restore(paneId),
      log: options.log,
    });
    this.sizes = new ViewSizes({
      run: (args) => this.run(args),
      hasViewers: (paneId) => this.viewers.has(paneId),
      reseed: (paneId) => this.viewers.reseedPane(paneId),
      log: options.log,
    });
  }

  /** Runs `tmux <args>` as its own process (on this runtime's host); stdout lines. */
  exec(args: readonly string[], input?: string): Promise<string[]> {
    return this.host.tmux(args, input);
  }

  /** A command with only our own values: over a control client if one is attached. */
  private async run(args: readonly string[]): Promise<string[]> {
    for (const w of this.watches.values()) {
      if (!w.client.isClosed) {
        try {
          return await w.client.command(args);
        } catch (e) {
          if (!w.client.isClosed) throw e;
          // the client went away under us: fall back to a process
        }
      }
    }
    return this.exec(args);
  }

  /**
   * tmux 3.3a crashes (segfault: every session lost) when a session is created while a
   * control client is attaching; the benchmarks hit it with five concurrent launches, and plain
   * tmux reproduces it. Session creation and attaches therefore take turns, here; so do a
   * control client's detach and a session's kill (once, in CI, the server was gone right after
   * sessions were created while the previous ones' clients were still detaching).
   */
  private turns: Promise<unknown> = Promise.resolve();

  private takeTurn<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.turns.then(fn, fn);
    this.turns = mine.catch(() => undefined);
    return mine;
  }

  async createSession(spec: WindowSpec): Promise<PaneRef> {
    const launchFile = await this.writeLaunchFile(spec);
    const lines = await this.takeTurn(() =>
      this.exec([
        'new-session',
        '-d',
        '-s',
        spec.session,
        '-n',
        spec.windowName,
        '-x',
        String(spec.cols ?? 220),
        '-y',
        String(spec.rows ?? 50),
        '-P',
        '-F',
        '#{window_id}\t#{pane_id}',
        'bash',
        '-c',
        LAUNCHER,
        'cao-launch',
        launchFile,
        ';',
        ...this.markWindow(spec),
      ]),
    );
    return this.paneRef(spec, lines);
  }

  async createWindow(spec: WindowSpec): Promise<PaneRef> {
    const launchFile = await this.writeLaunchFile(spec);
    const lines = await this.exec([
      'new-window',
      '-d',
      '-t',
      `=${spec.session}:`,
      '-n',
      spec.windowName,
      '-P',
      '-F',
      '#{window_id}\t#{pane_id}',
      'bash',
      '-c',
      LAUNCHER,
      'cao-launch',
      launchFile,
      ';',
      ...this.markWindow(spec),
    ]);
    return this.paneRef(spec, lines);
  }

  /** Options set in the same tmux invocation, before the agent can possibly exit. */
  private markWindow(spec: WindowSpec): string[] {
    const target = `=${spec.session}:=${spec.windowName}`;
    return [
      'set-option',
      '-w',
      '-t',
      target,
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-w',
      '-t',
      target,
      '@cao_terminal_id',
      spec.terminalId,
      ...(spec.labels
        ? [';', 'set-option', '-w', '-t', target, '@cao_labels', encodeLabels(spec.labels)]
        : []),
    ];
  }

  private paneRef(spec: WindowSpec, lines: string[]): PaneRef {
    const [windowId, paneId] = (lines[0] ?? '').split('\t');
    if (!windowId || !paneId) {
      throw new CaoError('UNAVAILABLE', `tmux did not report the new window: ${lines.join(' ')}`);
    }
    return { session: spec.session, windowId, windowName: spec.windowName, paneId };
  }

  /** Writes one of a terminal's private files on this runtime's host (in its private folder). */
  writeFile(f: { path: string; content: string }): Promise<string> {
    return this.host.writePrivateFile(basename(f.path), f.content);
  }

  /** Removes a terminal's private files (`{id}.*`) on this runtime's host. */
  removeTerminalFiles(terminalId: string): Promise<void> {
    return this.host.removePrivateFiles(terminalId);
  }

  /** Reads a file an agent wrote on this runtime's host (its session log). */
  readFile(path: string, maxBytes?: number): Promise<string | undefined> {
    return this.host.readFile(path, maxBytes);
  }

  /** The plain files of a folder on this runtime's host. */
  listDir(path: string): Promise<DirEntry[]> {
    return this.host.listDir(path);
  }

  /** The launch file on this runtime's host (only its owner can read it; LAUNCHER deletes it). */
  private writeLaunchFile(spec: WindowSpec): Promise<string> {
    return this.host.writePrivateFile(`${spec.terminalId}.launch`, launchRecords(spec));
  }

  async hasSession(session: string): Promise<boolean> {
    try {
      await this.run(['has-session', '-t', `=${session}`]);
      return true;
    } catch (e) {
      // a host that cannot be reached does not know: say so, rather than "no"
      if (isHostUnreachable(e)) throw e;
      return false;
    }
  }

  async listSessions(): Promise<SessionState[]> {
    let lines: string[];
    try {
      lines = await this.run(['list-sessions', '-F', SESSION_FORMAT]);
    } catch (e) {
      if (isNoServer(e)) return [];
      throw e;
    }
    return lines.map((l) => this.parseSessionLine(l));
  }

  /**
   * `attached` means a person's terminal: tmux counts cao's own control client among a
   * session's attached clients (`tmux ls` says "(attached)"), so it is taken off here.
   */
  private parseSessionLine(line: string): SessionState {
    const [name = '', attached = '0', created = '0'] = line.split('\t');
    const w = this.watches.get(name);
    const ours = w?.joined && !w.client.isClosed ? 1 : 0;
    return {
      name,
      attached: Number(attached) - ours > 0,
      createdAt: new Date(Number(created) * 1000),
    };
  }

  async probe(): Promise<RuntimeProbe> {
    const server = this.host.label;
    let timer: NodeJS.Timeout | undefined;
    try {
      // over a control client when one is attached (the server itself answers, in ~0.1 ms);
      // when tmux died its clients closed, and a process of its own finds no server
      const lines = await Promise.race([
        this.run(['list-sessions', '-F', SESSION_FORMAT]),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new CaoError('UNAVAILABLE', `no answer within ${PROBE_TIMEOUT_MS} ms`)),
            PROBE_TIMEOUT_MS,
          );
        }),
      ]);
      const sessions = lines.map((l) => this.parseSessionLine(l));
      return { state: 'up', sessions, server, detail: '' };
    } catch (e) {
      const detail = errorMessage(e);
      return { state: isNoServer(e) ? 'down' : 'error', sessions: [], server, detail };
    } finally {
      clearTimeout(timer);
    }
  }

  async listPanes(session?: string): Promise<PaneState[]> {
    const args = session
      ? ['list-panes', '-s', '-t', `=${session}`, '-F', PANE_FORMAT]
      : ['list-panes', '-a', '-F', PANE_FORMAT];
    let lines: string[];
    try {
      lines = await this.exec(args);
    } catch (e) {
      if (isNoServer(e) || /can't find session/.test(errorMessage(e))) return [];
      throw e;
    }
    return lines.map(parsePaneLine);
  }

  async paneState(paneId: string): Promise<PaneState | undefined> {
    try {
      const lines = await this.run(['display-message', '-p', '-t', paneId, PANE_FORMAT]);
      return lines[0] ? parsePaneLine(lines[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  async capture(paneId: string, options: CaptureOptions = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-J', '-t', paneId];
    if (options.history === 'all') args.push('-S', '-');
    else if (options.history && options.history > 0) args.push('-S', String(-options.history));
    if (options.styled) args.push('-e');
    try {
      return (await this.run(args)).join('\n');
    } catch (e) {
      throw new CaoError(
        'NOT_FOUND',
        `Cannot read the screen of pane ${paneId}: ${errorMessage(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  async paste(paneId: string, text: string): Promise<void> {
    const buffer = `cao_${randomBytes(4).toString('hex')}`;
    // the text goes in on stdin, never as an argument
    await this.exec(['load-buffer', '-b', buffer, '-'], sanitizePaste(text));
    try {
      await this.run(['paste-buffer', '-p', '-d', '-b', buffer, '-t', paneId]);
    } catch (e) {
      await this.exec(['delete-buffer', '-b', buffer]).catch(() => {});
      throw e;
    }
  }

  async sendKeys(paneId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run(['send-keys', '-t', paneId, ...keys]);
  }

  async cancelMode(paneId: string): Promise<void> {
    const state = await this.paneState(paneId);
    if (state?.inMode) await this.run(['send-keys', '-X', '-t', paneId, 'cancel']).catch(() => {});
  }

  async killWindow(paneId: string): Promise<void> {
    const pids = await this.panePids(['-t', paneId]);
    await this.exec(['kill-pane', '-t', paneId]).catch((e: unknown) => {
      if (!/can't find|no such/i.test(errorMessage(e))) throw e;
    });
    this.host.reapLater(pids);
  }

  async killSession(session: string): Promise<void> {
    const w = this.watches.get(session);
    const pids = await this.panePids(['-s', '-t', `=${session}`]);
    await this.takeTurn(() => this.exec(['kill-session', '-t', `=${session}`])).catch(
      (e: unknown) => {
        if (!/can't find|no server|no such/i.test(errorMessage(e))) throw e;
      },
    );
    if (w) await this.takeTurn(() => w.client.close());
    this.host.reapLater(pids);
  }

  /** The agent processes (pane leaders) of a pane or session. */
  private async panePids(target: string[]): Promise<number[]> {
    try {
      const lines = await this.exec(['list-panes', ...target, '-F', '#{pane_pid}']);
      return lines.map(Number).filter((n) => Number.isInteger(n) && n > 1);
    } catch {
      return [];
    }
  }

  watch(session: string, listener: RuntimeListener): () => void {
    let w = this.watches.get(session);
    if (!w || w.client.isClosed) {
      const listeners = new Set<RuntimeListener>(w?.listeners ?? []);
      const emit: RuntimeListener = (e) => listeners.forEach((l) => l(e));
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      void this.takeTurn(() => {
        open();
        return attachedOrLate(client);
      });
      const client: ControlClient = new ControlClient({
        spawn: (args) => this.host.spawnTmux(args),
        session,
        gate,
        onEvent: (line) => {
          if (line.kind === 'output')
            this.viewers.output(line.paneId, line.data, client.outputCount);
          else if (line.kind === 'pause') this.viewers.reseedPane(line.paneId);
          if (line.kind === 'output' || line.kind === 'pause')
            emit({ type: 'output', paneId: line.paneId });
          else if (line.kind === 'window-close')
            emit({ type: 'window-closed', windowId: line.windowId });
          else if (
            line.kind === 'subscription-changed' &&
            line.name === 'cao_dead' &&
            line.paneId
          ) {
            if (line.value.trim() === '1') emit({ type: 'pane-dead', paneId: line.paneId });
          }
        },
        onClose: (reason) => {
          if (this.watches.get(session)?.client === client) this.watches.delete(session);
          this.options.log.debug('tmux control client closed', { session, reason });
          emit({ type: 'session-closed', session, reason });
        },
      });
      const watch: Watch = { client, listeners, joined: false };
      w = watch;
      this.watches.set(session, w);
      // pane deaths produce no %output: subscribe to #{pane_dead} (checked once a second)
      client.command(['refresh-client', '-B', 'cao_dead:%*:#{pane_dead}']).catch((e: unknown) => {
        this.options.log.warn('tmux subscription failed', { session, error: errorMessage(e) });
      });
      // windows an earlier cao-server resized for its viewers and could not put back
      void client.attached.then(() => {
        if (client.isClosed) return;
        watch.joined = true;
        void this.sizes.restoreSession(session);
      });
    }
    const watch = w;
    watch.listeners.add(listener);
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0 && this.watches.get(session) === watch) {
        this.watches.delete(session);
        void this.takeTurn(() => watch.client.close());
      }
    };
  }

  streamPane(paneId: string, out: PaneViewer): Promise<() => void> {
    return this.viewers.stream(paneId, out);
  }

  async writePane(paneId: string, data: Uint8Array): Promise<void> {
    // hex byte values: only our own characters go over the command channel
    for (let at = 0; at < data.length; at += WRITE_CHUNK) {
      const hex = [...data.subarray(at, at + WRITE_CHUNK)].map((b) => b.toString(16));
      await this.run(['send-keys', '-t', paneId, '-H', ...hex]);
    }
  }

  /** Lasts until the pane's last viewer leaves: then the window's own size comes back. */
  resizePane(paneId: string, cols: number, rows: number): Promise<void> {
    return this.sizes.resize(paneId, cols, rows);
  }

  async close(): Promise<void> {
    await this.sizes.restoreAll();
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map((w) => w.client.close()));
  }
}

/** A tmux server that does not answer list-sessions in this time counts as broken. */
const PROBE_TIMEOUT_MS = 3000;

/** An attach that hangs must not hold up every later launch. */
const ATTACH_TURN_MS = 5000;

function attachedOrLate(client: ControlClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    client.attached,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ATTACH_TURN_MS))),
  ]).finally(() => clearTimeout(timer));
}

function parsePaneLine(line: string): PaneState {
  const [
    session = '',
    windowId = '',
    windowName = '',
    paneId = '',
    dead,
    deadStatus,
    terminalId,
    labels,
    cmd,
    path,
    mode,
  ] = line.split('\t');
  return {
    session,
    windowId,
    windowName,
    paneId,
    dead: dead === '1',
    deadStatus: dead === '1' && deadStatus !== '' ? Number(deadStatus) : undefined,
    terminalId: terminalId || undefined,
    labels: decodeLabels(labels),
    currentCommand: cmd ?? '',
    currentPath: path ?? '',
    inMode: mode === '1',
  };
}

/**
 * Labels travel as one window option, base64url of their JSON: a working directory is user
 * text, and this way no character of it (a trailing ';' is a command separator in tmux argv,
 * a tab would split list-panes output) can mean anything to tmux.
 */
export function encodeLabels(labels: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(labels), 'utf8').toString('base64url');
}

export function decodeLabels(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}

function isNoServer(e: unknown): boolean {
  return /no server running|error connecting to|No such file or directory/.test(errorMessage(e));
}
