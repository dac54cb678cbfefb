/**
 * An in-memory terminal runtime for tests: panes are strings, and a `FakeProgram` decides how a
 * pane's screen reacts to pasted text and keys. No tmux, no processes, no timers of its own.
 */
import { CaoError } from '../lib/errors.js';
import {
  sanitizePaste,
  type CaptureOptions,
  type PaneRef,
  type PaneState,
  type RuntimeListener,
  type SessionState,
  type TerminalRuntime,
  type WindowSpec,
} from './runtime.js';

export interface FakeProgram {
  /** The window started; draw the first screen with `pane.show(...)`. */
  start(pane: FakePane): void;
  paste?(pane: FakePane, text: string): void;
  keys?(pane: FakePane, keys: readonly string[]): void;
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

  constructor(
    readonly ref: PaneRef,
    readonly spec: WindowSpec,
    readonly program: FakeProgram,
    private readonly emit: (paneId: string, type: 'output' | 'pane-dead') => void,
  ) {}

  get paneId(): string {
    return this.ref.paneId;
  }

  /** Replaces the visible screen (and reports output, like tmux's %output). */
  show(screen: string): void {
    this.screen = screen;
    this.emit(this.ref.paneId, 'output');
  }

  /** The program exits with `status`; the pane stays readable, like remain-on-exit. */
  die(status = 0): void {
    this.dead = true;
    this.deadStatus = status;
    this.screen = `${this.screen}\nPane is dead (status ${status}, Thu Jan  1 00:00:00 1970)`;
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

  constructor(private readonly programFor: (spec: WindowSpec) => FakeProgram) {}

  createSession(spec: WindowSpec): Promise<PaneRef> {
    if (this.sessions.has(spec.session)) {
      return Promise.reject(new CaoError('CONFLICT', `duplicate session: ${spec.session}`));
    }
    this.sessions.set(spec.session, { createdAt: new Date() });
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
    return Promise.resolve(
      [...this.sessions].map(([name, s]) => ({ name, attached: false, createdAt: s.createdAt })),
    );
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
    return Promise.resolve(lines.join('\n'));
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

  cancelMode(paneId: string): Promise<void> {
    const p = this.panes.get(paneId);
    if (p) p.inMode = false;
    return Promise.resolve();
  }

  killWindow(paneId: string): Promise<void> {
    const p = this.panes.get(paneId);
    if (p) {
      this.panes.delete(paneId);
      this.emit(p.ref.session, { type: 'window-closed', windowId: p.ref.windowId });
    }
    return Promise.resolve();
  }

  killSession(session: string): Promise<void> {
    for (const [id, p] of this.panes) if (p.ref.session === session) this.panes.delete(id);
    if (this.sessions.delete(session)) {
      this.emit(session, { type: 'session-closed', session, reason: 'killed' });
    }
    return Promise.resolve();
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
