/**
 * An in-memory terminal runtime for tests: panes are strings, and a `FakeProgram` decides how a
 * pane's screen reacts to pasted text and keys. No tmux, no processes, no timers of its own.
 */
import { CaoError } from '../lib/errors.js';
import { fitRows, snapshot } from './pane-stream.js';
import {
  sanitizePaste,
  type CaptureOptions,
  type PaneRef,
  type PaneState,
  type PaneViewer,
  type RuntimeListener,
  type RuntimeProbe,
  type SessionState,
  type TerminalRuntime,
  type WindowSpec,
} from './runtime.js';

export interface FakeProgram {
  /** The window started; draw the first screen with `pane.show(...)`. */
  start(pane: FakePane): void;
  paste?(pane: FakePane, text: string): void;
  keys?(pane: FakePane, keys: readonly string[]): void;
  /** Raw bytes typed on the pane's terminal (`writePane`), as UTF-8 text. */
  input?(pane: FakePane, data: string): void;
}

export class FakePane {
  screen = '';
  /** Lines that scrolled off the top, oldest first. */
  readonly history: string[] = [];
  dead = false;
  deadStatus: number | undefined;
  inMode = false;
  readonly pasted: string[] = [];
  readonly keysPressed: string[] = [];
  /** Raw input written to the terminal (`writePane`), one entry per write. */
  readonly typed: string[] = [];
  cols: number;
  rows: number;
  /** Live viewers (`streamPane`). */
  readonly viewers = new Set<PaneViewer>();
  /** The window's own size while viewers have resized it (like tmux's `@cao_own_size`). */
  ownSize: { cols: number; rows: number } | undefined;

  constructor(
    readonly ref: PaneRef,
    readonly spec: WindowSpec,
    readonly program: FakeProgram,
    private readonly emit: (paneId: string, type: 'output' | 'pane-dead') => void,
  ) {
    this.cols = spec.cols ?? 220;
    this.rows = spec.rows ?? 50;
  }

  get paneId(): string {
    return this.ref.paneId;
  }

  /** Replaces the visible screen (and reports output, like tmux's %output). */
  show(screen: string): void {
    this.screen = screen;
    if (this.viewers.size > 0) {
      // what a full-screen redraw looks like on the wire: home, clear, the rows
      const bytes = Buffer.from(`\x1b[H\x1b[2J${screen.split('\n').join('\r\n')}`, 'utf8');
      for (const v of this.viewers) v.data(bytes);
    }
    this.emit(this.ref.paneId, 'output');
  }

  /** The snapshot a new viewer gets (`pane-stream.ts`). */
  snapshot(): Buffer {
    const lines = this.screen.split('\n');
    const visible = fitRows(lines, this.rows, false);
    const last = Math.min(lines.length, this.rows) - 1;
    return snapshot(
      {
        cols: this.cols,
        rows: this.rows,
        cursorX: Math.min(visible[last]?.length ?? 0, this.cols - 1),
        cursorY: Math.max(0, last),
        cursorVisible: true,
        alternate: false,
        appCursorKeys: false,
      },
      { normal: [...this.history, ...visible] },
    );
  }

  /** Sends every viewer a fresh snapshot. */
  reseed(): void {
    for (const v of this.viewers) v.data(this.snapshot());
  }

  /** The program exits with `status`; the pane stays readable, like remain-on-exit. */
  die(status = 0): void {
    this.dead = true;
    this.deadStatus = status;
    this.screen = `${this.screen}\nPane is dead (status ${status}, Thu Jan  1 00:00:00 1970)`;
    this.reseed();
    this.emit(this.ref.paneId, 'pane-dead');
  }
}

export class FakeRuntime implements TerminalRuntime {
  readonly kind = 'fake';
  readonly panes = new Map<string, FakePane>();
  private readonly sessions = new Map<string, { createdAt: Date }>();
  private readonly listeners = new Map<string, Set<RuntimeListener>>();
  private nextPane = 0;
  private nextWindow = 0;
  /** The fake terminal server is running (false after `killServer`, until a new session). */
  private up = true;

  constructor(private readonly programFor: (spec: WindowSpec) => FakeProgram) {}

  createSession(spec: WindowSpec): Promise<PaneRef> {
    if (this.sessions.has(spec.session)) {
      return Promise.reject(new CaoError('CONFLICT', `duplicate session: ${spec.session}`));
    }
    this.sessions.set(spec.session, { createdAt: new Date() });
    this.up = true;
    return this.createWindow(spec);
  }

  createWindow(spec: WindowSpec): Promise<PaneRef> {
    if (!this.sessions.has(spec.session)) {
      return Promise.reject(new CaoError('NOT_FOUND', `can't find session: ${spec.session}`));
    }
    const ref: PaneRef = {
      session: spec.session,
      windowId: `@${this.nextWindow++}`,
      windowName: spec.windowName,
      paneId: `%${this.nextPane++}`,
    };
    const pane = new FakePane(ref, spec, this.programFor(spec), (paneId, type) =>
      this.emit(spec.session, { type, paneId }),
    );
    this.panes.set(ref.paneId, pane);
    pane.program.start(pane);
    return Promise.resolve(ref);
  }

  /** The pane of a terminal id, for tests to drive. */
  paneOf(terminalId: string): FakePane {
    const pane = [...this.panes.values()].find((p) => p.spec.terminalId === terminalId);
    if (!pane) throw new Error(`no fake pane for terminal ${terminalId}`);
    return pane;
  }

  hasSession(session: string): Promise<boolean> {
    return Promise.resolve(this.sessions.has(session));
  }

  listSessions(): Promise<SessionState[]> {
    return Promise.resolve([...this.sessions].map(([name, s]) => this.sessionState(name, s)));
  }

  private sessionState(name: string, s: { createdAt: Date }): SessionState {
    return { name, attached: false, createdAt: s.createdAt };
  }

  probe(): Promise<RuntimeProbe> {
    return Promise.resolve({
      state: this.up ? 'up' : 'down',
      sessions: this.up ? [...this.sessions].map(([name, st]) => this.sessionState(name, st)) : [],
      server: 'the fake terminal server',
      detail: this.up ? '' : 'no server running (killed)',
    });
  }

  /** The whole terminal server dies (as `tmux kill-server`, or a tmux crash): everything goes. */
  killServer(): void {
    this.up = false;
    for (const session of [...this.sessions.keys()]) void this.killSession(session);
  }

  listPanes(session?: string): Promise<PaneState[]> {
    return Promise.resolve(
      [...this.panes.values()]
        .filter((p) => session === undefined || p.ref.session === session)
        .map((p) => this.state(p)),
    );
  }

  paneState(paneId: string): Promise<PaneState | undefined> {
    const p = this.panes.get(paneId);
    return Promise.resolve(p ? this.state(p) : undefined);
  }

  private state(p: FakePane): PaneState {
    return {
      ...p.ref,
      terminalId: p.spec.terminalId,
      labels: p.spec.labels ? { ...p.spec.labels } : undefined,
      dead: p.dead,
      deadStatus: p.deadStatus,
      currentCommand: p.spec.argv[0] ?? '',
      currentPath: p.spec.cwd,
      inMode: p.inMode,
    };
  }

  capture(paneId: string, options: CaptureOptions = {}): Promise<string> {
    const p = this.panes.get(paneId);
    if (!p) return Promise.reject(new CaoError('NOT_FOUND', `can't find pane: ${paneId}`));
    const h =
      options.history === 'all'
        ? p.history
        : p.history.slice(-(options.history ?? 0) || p.history.length);
    const lines = options.history ? [...h, p.screen] : [p.screen];
    const text = lines.join('\n');
    // like tmux: colours a program drew are kept only in a styled capture
    // eslint-disable-next-line no-control-regex
    return Promise.resolve(options.styled ? text : text.replace(/\x1b\[[0-9;:]*m/g, ''));
  }

  paste(paneId: string, text: string): Promise<void> {
    const p = this.live(paneId);
    const clean = sanitizePaste(text);
    p.pasted.push(clean);
    p.program.paste?.(p, clean);
    return Promise.resolve();
  }

  sendKeys(paneId: string, keys: readonly string[]): Promise<void> {
    const p = this.live(paneId);
    p.keysPressed.push(...keys);
    p.program.keys?.(p, keys);
    return Promise.resolve();
  }

  streamPane(paneId: string, viewer: PaneViewer): Promise<() => void> {
    const p = this.panes.get(paneId);
    if (!p) return Promise.reject(new CaoError('NOT_FOUND', `can't find pane: ${paneId}`));
    p.viewers.add(viewer);
    viewer.data(p.snapshot());
    return Promise.resolve(() => {
      if (p.viewers.delete(viewer) && p.viewers.size === 0) restoreSize(p);
    });
  }

  writePane(paneId: string, data: Uint8Array): Promise<void> {
    const p = this.live(paneId);
    const text = Buffer.from(data).toString('utf8');
    p.typed.push(text);
    p.program.input?.(p, text);
    return Promise.resolve();
  }

  resizePane(paneId: string, cols: number, rows: number): Promise<void> {
    const p = this.panes.get(paneId);
    if (!p) return Promise.reject(new CaoError('NOT_FOUND', `can't find pane: ${paneId}`));
    p.ownSize ??= { cols: p.cols, rows: p.rows };
    p.cols = cols;
    p.rows = rows;
    p.reseed();
    return Promise.resolve();
  }

  cancelMode(paneId: string): Promise<void> {
    const p = this.panes.get(paneId);
    if (p) p.inMode = false;
    return Promise.resolve();
  }

  killWindow(paneId: string): Promise<void> {
    const p = this.panes.get(paneId);
    if (p) {
      this.panes.delete(paneId);
      endViewers(p, 'the window closed');
      this.emit(p.ref.session, { type: 'window-closed', windowId: p.ref.windowId });
    }
    return Promise.resolve();
  }

  killSession(session: string): Promise<void> {
    for (const [id, p] of this.panes) {
      if (p.ref.session !== session) continue;
      this.panes.delete(id);
      endViewers(p, 'the session closed (killed)');
    }
    if (this.sessions.delete(session)) {
      this.emit(session, { type: 'session-closed', session, reason: 'killed' });
    }
    return Promise.resolve();
  }

  /** The watch of `session` ends while the session runs on (a control client that died with
   *  its link, or was killed): its listeners hear session-closed, as from tmux. */
  endWatch(session: string, reason: string): void {
    const set = this.listeners.get(session);
    this.listeners.delete(session);
    for (const l of set ?? []) l({ type: 'session-closed', session, reason });
  }

  watch(session: string, listener: RuntimeListener): () => void {
    let set = this.listeners.get(session);
    if (!set) this.listeners.set(session, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private live(paneId: string): FakePane {
    const p = this.panes.get(paneId);
    if (!p || p.dead) throw new CaoError('NOT_FOUND', `can't find live pane: ${paneId}`);
    return p;
  }

  private emit(session: string, event: Parameters<RuntimeListener>[0]): void {
    for (const l of this.listeners.get(session) ?? []) l(event);
  }
}

function endViewers(p: FakePane, reason: string): void {
  const viewers = [...p.viewers];
  p.viewers.clear();
  for (const v of viewers) v.end(reason);
}

/** The pane's last viewer left: the window's own size comes back. */
function restoreSize(p: FakePane): void {
  if (!p.ownSize) return;
  p.cols = p.ownSize.cols;
  p.rows = p.ownSize.rows;
  p.ownSize = undefined;
  p.reseed();
}
