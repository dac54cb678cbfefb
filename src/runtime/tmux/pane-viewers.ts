/**
 * Live viewers of tmux panes (the dashboard's terminals): a snapshot that redraws the pane on a
 * blank terminal, then the pane's own output, cut exactly where one ends and the other begins.
 * The bytes come from the session's control-mode client (`%output`), decoded only for panes
 * someone watches, so the status tracker pays nothing for this.
 */
import { CaoError, errorMessage } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { SNAPSHOT_HISTORY, snapshot, type ScreenState } from '../pane-stream.js';
import type { PaneState, PaneViewer, RuntimeListener } from '../runtime.js';
import type { ControlClient } from './control.js';
import { decodeOutput } from './protocol.js';

/** What the viewers need from the runtime. */
export interface ViewerHost {
  paneState(paneId: string): Promise<PaneState | undefined>;
  watch(session: string, listener: RuntimeListener): () => void;
  /** The session's control-mode client, once `watch` attached it. */
  client(session: string): ControlClient | undefined;
  /** The pane's last viewer left. */
  left(paneId: string): void;
  log: Logger;
}

/** What a snapshot needs to know about a pane besides its text (see `pane-stream.ts`). */
const SCREEN_FORMAT = [
  '#{pane_width}',
  '#{pane_height}',
  '#{cursor_x}',
  '#{cursor_y}',
  '#{cursor_flag}',
  '#{alternate_on}',
  '#{keypad_cursor_flag}',
  '#{scroll_region_upper}',
  '#{scroll_region_lower}',
  '#{alternate_saved_x}',
  '#{alternate_saved_y}',
].join('\t');

/** One live viewer of a pane (`streamPane`). */
interface Viewer {
  paneId: string;
  session: string;
  out: PaneViewer;
  /** Live: bytes go straight out. Otherwise a snapshot is being taken and bytes wait here. */
  live: boolean;
  waiting: { mark: number; bytes: Buffer }[];
  /** The snapshot in progress, and whether another was asked for meanwhile. */
  seeding: Promise<void> | undefined;
  again: boolean;
  closed: boolean;
  /** Stops the viewer and tells it why. */
  end(reason: string): void;
}

export class PaneViewers {
  /** Live viewers by pane id. */
  private readonly viewers = new Map<string, Set<Viewer>>();

  constructor(private readonly host: ViewerHost) {}

  async stream(paneId: string, out: PaneViewer): Promise<() => void> {
    const state = await this.host.paneState(paneId);
    if (!state) throw new CaoError('NOT_FOUND', `Pane ${paneId} not found`);
    let unwatch = (): void => {};
    const stop = (): void => {
      if (v.closed) return;
      v.closed = true;
      const set = this.viewers.get(paneId);
      set?.delete(v);
      unwatch();
      if (set?.size === 0) {
        this.viewers.delete(paneId);
        this.host.left(paneId);
      }
    };
    const v: Viewer = {
      paneId,
      session: state.session,
      out,
      live: false,
      waiting: [],
      seeding: undefined,
      again: false,
      closed: false,
      end(reason) {
        if (v.closed) return;
        stop();
        out.end(reason);
      },
    };
    unwatch = this.host.watch(state.session, (e) => {
      if (e.type === 'window-closed' && e.windowId === state.windowId) v.end('the window closed');
      else if (e.type === 'session-closed') v.end(`the session closed (${e.reason})`);
      else if (e.type === 'pane-dead' && e.paneId === paneId) this.reseed(v);
    });
    let set = this.viewers.get(paneId);
    if (!set) this.viewers.set(paneId, (set = new Set()));
    set.add(v);
    this.reseed(v);
    await v.seeding;
    return stop;
  }

  /** Output of a pane: decoded only when someone watches it. */
  output(paneId: string, escaped: string, mark: number): void {
    const set = this.viewers.get(paneId);
    if (!set || set.size === 0) return;
    const bytes = decodeOutput(escaped);
    for (const v of set) {
      if (v.live) v.out.data(bytes);
      else v.waiting.push({ mark, bytes });
    }
  }

  /** Whether someone views the pane now. */
  has(paneId: string): boolean {
    return (this.viewers.get(paneId)?.size ?? 0) > 0;
  }

  reseedPane(paneId: string): void {
    for (const v of this.viewers.get(paneId) ?? []) this.reseed(v);
  }

  /** Takes a new snapshot for `v` (one at a time; requests during one collapse into one more). */
  private reseed(v: Viewer): void {
    if (v.closed) return;
    if (v.seeding) {
      v.again = true;
      return;
    }
    v.seeding = (async () => {
      do {
        v.again = false;
        try {
          await this.seed(v);
        } catch (e) {
          if (v.closed) break;
          this.host.log.debug('pane snapshot failed', {
            pane: v.paneId,
            error: errorMessage(e),
          });
          v.end(`cannot read pane ${v.paneId}: ${errorMessage(e)}`);
          break;
        }
      } while (v.again && !v.closed);
      v.seeding = undefined;
    })();
  }

  /**
   * One snapshot, cut exactly where the live bytes take over. Replies and output notifications
   * come in order on the session's control client, so output counted up to a reply's mark is
   * already in what the command read. The state is read before and after the screen; if the
   * pane wrote in between, the snapshot is taken again (twice at most, then used as it is).
   */
  private async seed(v: Viewer): Promise<void> {
    const client = this.host.client(v.session);
    if (!client || client.isClosed) throw new CaoError('UNAVAILABLE', 'no control client');
    v.live = false;
    v.waiting = [];
    const info = (lines: string[]): ScreenState => parseScreenState(lines[0] ?? '');
    for (let attempt = 0; ; attempt++) {
      const before = await client.commandWithMark([
        'display-message',
        '-p',
        '-t',
        v.paneId,
        SCREEN_FORMAT,
      ]);
      const state = info(before.lines);
      const normal = state.alternate
        ? await client.commandWithMark(['capture-pane', '-p', '-e', '-a', '-q', '-t', v.paneId])
        : await client.commandWithMark([
            'capture-pane',
            '-p',
            '-e',
            '-t',
            v.paneId,
            '-S',
            String(-SNAPSHOT_HISTORY),
          ]);
      const alt = state.alternate
        ? await client.commandWithMark(['capture-pane', '-p', '-e', '-t', v.paneId])
        : undefined;
      const after = await client.commandWithMark([
        'display-message',
        '-p',
        '-t',
        v.paneId,
        SCREEN_FORMAT,
      ]);
      const final = info(after.lines);
      const cut = (alt ?? normal).mark;
      const moved = v.waiting.some((w) => w.mark > before.mark && w.mark <= after.mark);
      if (v.closed) return;
      if ((moved || final.alternate !== state.alternate) && attempt < 2) continue;
      v.out.data(
        snapshot(moved ? state : final, {
          normal: normal.lines,
          ...(alt ? { alternate: alt.lines } : {}),
        }),
      );
      for (const w of v.waiting) if (w.mark > cut) v.out.data(w.bytes);
      v.waiting = [];
      v.live = true;
      return;
    }
  }
}

function parseScreenState(line: string): ScreenState {
  const [cols, rows, x, y, cursor, alternate, keypad, top, bottom, savedX, savedY] = line
    .split('\t')
    .map((f) => Number.parseInt(f, 10));
  const n = (v: number | undefined, fallback: number): number =>
    v !== undefined && Number.isFinite(v) ? v : fallback;
  return {
    cols: n(cols, 80),
    rows: n(rows, 24),
    cursorX: n(x, 0),
    cursorY: n(y, 0),
    cursorVisible: cursor !== 0,
    alternate: alternate === 1,
    appCursorKeys: keypad === 1,
    scrollTop: n(top, 0),
    scrollBottom: n(bottom, n(rows, 24) - 1),
    savedX: n(savedX, 0),
    savedY: n(savedY, 0),
  };
}
