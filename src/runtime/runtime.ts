/**
 * The terminal runtime seam: where agent CLIs run and how their screens are read. tmux on this
 * machine and on remote hosts over ssh (`tmux/tmux-runtime.ts` per host, `hosts-runtime.ts`
 * over all of them); an in-memory fake for tests (`fake-runtime.ts`). The core never calls
 * tmux directly. Ids of panes and windows on a remote host carry its name (`b1/%3`), so the
 * core needs no idea of hosts to track, type into or read a terminal.
 */

export interface WindowSpec {
  /** The host to run on ('local' or a remote host's name; default 'local'). */
  host?: string | undefined;
  /** Full session name, already validated (`cao-…`). */
  session: string;
  /** Window name, already validated. */
  windowName: string;
  /** cao terminal id, recorded on the window so a restarted server can adopt it. */
  terminalId: string;
  /** Working directory of the agent process. */
  cwd: string;
  /** Program and arguments; never a shell string. */
  argv: readonly string[];
  /** Environment exported for the process (on top of the runtime's own). */
  env: Readonly<Record<string, string>>;
  /** Environment names removed for the process. */
  unsetEnv?: readonly string[];
  /**
   * Small facts the window carries for whoever adopts it later without the database
   * (core/terminal-labels.ts); never secrets. Read back in `PaneState.labels`.
   */
  labels?: Readonly<Record<string, string>>;
  cols?: number;
  rows?: number;
}

export interface PaneRef {
  /** The host the pane runs on ('local' or a remote host's name). */
  host?: string;
  session: string;
  windowId: string;
  windowName: string;
  paneId: string;
}

export interface PaneState extends PaneRef {
  /** The cao terminal id recorded on the window, if any. */
  terminalId: string | undefined;
  /** The window's labels (`WindowSpec.labels`), if it has any. */
  labels: Record<string, string> | undefined;
  dead: boolean;
  deadStatus: number | undefined;
  currentCommand: string;
  currentPath: string;
  /** In copy mode or another mode that would swallow input. */
  inMode: boolean;
}

export interface SessionState {
  /** The host whose tmux server has this session. */
  host?: string;
  name: string;
  /** A person's terminal is attached (cao's own control client does not count). */
  attached: boolean;
  createdAt: Date;
}

/** What asking the terminal server right now found (`TerminalRuntime.probe`). */
export interface RuntimeProbe {
  /** `up`: it answered; `down`: no server runs (not started yet, or gone); `error`: asking failed. */
  state: 'up' | 'down' | 'error';
  /** Its sessions, when up. */
  sessions: SessionState[];
  /** Which server, for people: `tmux -L name`, `the default tmux server`, … */
  server: string;
  /** Why, when down or error. */
  detail: string;
}

export type RuntimeEvent =
  /** Something was written to the pane; read the screen to see what. */
  | { type: 'output'; paneId: string }
  /** The agent process in the pane ended (the pane stays, for reading). */
  | { type: 'pane-dead'; paneId: string }
  /** The window is gone. */
  | { type: 'window-closed'; windowId: string }
  /** The session is gone (or the runtime lost it). */
  | { type: 'session-closed'; session: string; reason: string }
  /** A remote host's link dropped: its panes cannot be read now, but its agents keep running. */
  | { type: 'host-down'; host: string; reason: string }
  /** The host is back: read its panes again. */
  | { type: 'host-up'; host: string }
  /** The host stayed unreachable past the give-up time: its agents count as gone. */
  | { type: 'host-gone'; host: string; reason: string };

export type RuntimeListener = (event: RuntimeEvent) => void;

/** A live viewer of one pane (see `TerminalRuntime.streamPane`). */
export interface PaneViewer {
  /**
   * Bytes for a terminal emulator. A snapshot (`pane-stream.ts`: the pane's size, a reset, the
   * screen, the cursor) comes first and again whenever the stream had to start over (a resize,
   * output tmux dropped, the program exited); the program's own output comes in between.
   */
  data(chunk: Uint8Array): void;
  /** The pane is gone (window closed, session killed); nothing more will come. */
  end(reason: string): void;
}

export interface CaptureOptions {
  /** Lines of scrollback above the visible screen; 'all' for the whole history. */
  history?: number | 'all';
  /** Keep colours and attributes as SGR sequences (`capture-pane -e`); plain text otherwise. */
  styled?: boolean;
}

export interface TerminalRuntime {
  /** Short name for /health and logs ('tmux', 'fake'). */
  readonly kind: string;
  /** Starts a new session whose first window runs `spec.argv`. */
  createSession(spec: WindowSpec): Promise<PaneRef>;
  /** Adds a window running `spec.argv` to an existing session. */
  createWindow(spec: WindowSpec): Promise<PaneRef>;
  hasSession(session: string): Promise<boolean>;
  listSessions(): Promise<SessionState[]>;
  /** Asks the terminal server itself (a real round trip, never a cached answer). */
  probe(): Promise<RuntimeProbe>;
  /** Panes of one session, or of all sessions. */
  listPanes(session?: string): Promise<PaneState[]>;
  paneState(paneId: string): Promise<PaneState | undefined>;
  /** The rendered screen (and optionally scrollback) as plain text. */
  capture(paneId: string, options?: CaptureOptions): Promise<string>;
  /** Pastes text as one bracketed paste. No Enter. */
  paste(paneId: string, text: string): Promise<void>;
  /** Presses named keys (`Enter`, `Down`, `C-c`, …), in order. */
  sendKeys(paneId: string, keys: readonly string[]): Promise<void>;
  /** Leaves copy mode or any other pane mode that would swallow input. */
  cancelMode(paneId: string): Promise<void>;
  killWindow(paneId: string): Promise<void>;
  killSession(session: string): Promise<void>;
  /** Reports changes in one session's panes until the returned function is called. */
  watch(session: string, listener: RuntimeListener): () => void;
  /**
   * Streams one pane's raw output to a live viewer (the dashboard's terminal) until the
   * returned function is called: first a snapshot that redraws the pane on a blank terminal,
   * then the bytes the program writes. See `pane-stream.ts`.
   */
  streamPane(paneId: string, viewer: PaneViewer): Promise<() => void>;
  /** Writes raw bytes to the pane's program, as typed on its terminal (nothing is filtered). */
  writePane(paneId: string, data: Uint8Array): Promise<void>;
  /**
   * Resizes the pane's window for its viewers; they get a new snapshot at the new size. When
   * the pane's last viewer leaves (or the runtime closes, or a later one attaches after a
   * crash), the window gets back the size it had before the first such resize.
   */
  resizePane(paneId: string, cols: number, rows: number): Promise<void>;
  /** Hosts whose link is down now (their panes cannot be listed or read, but live on). */
  unreachableHosts?(): string[];
  /** Tells the runtime that `session` has terminals on `host` (known from the store while the
   *  host cannot be asked). */
  placeSession?(session: string, host: string): void;
  close(): Promise<void>;
}

/** Keys accepted by `POST /terminals/{id}/key` (the original CAO's TMUX_KEY_PATTERN). */
export const KEY_RE =
  /^(?:Up|Down|Left|Right|Enter|Tab|Escape|Space|BSpace|[A-Za-z0-9]|[CMS]-[A-Za-z0-9])$/;

/**
 * Text safe to paste: escape bytes and other control characters removed, C0 (U+0000–U+001F,
 * U+007F) and C1 (U+0080–U+009F, where U+009B is a one-character CSI) alike: an escape in the
 * text could end the bracketed paste early and turn the rest into keystrokes. Newlines and
 * tabs are kept.
 */
export function sanitizePaste(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** The host of a pane or window id: `b1/%3` is on host b1, `%3` on this machine. */
export function hostOfId(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? 'local' : id.slice(0, slash);
}

/**
 * Whether `e` says a remote host cannot be reached right now (its link is down), as opposed
 * to a pane or session that is gone: the agents there are presumed to keep running.
 */
export function isHostUnreachable(e: unknown): boolean {
  const details = (e as { details?: Record<string, unknown> } | undefined)?.details;
  return details?.['ssh'] === 'unreachable' || details?.['host_down'] === true;
}
