/**
 * The dashboard's "fit window" resizes an agent's tmux window to the viewer's panel; this puts
 * the window back as it was once nobody views it, so a look from the browser never leaves the
 * window resized for the person who attaches with `tmux attach` later.
 *
 * - The first resize of a window saves its own size in the window option `@cao_own_size`
 *   (`COLSxROWS`). `resize-window` also sets the window's `window-size` to `manual`.
 * - When a pane's last viewer leaves, the saved size comes back, the window-level
 *   `window-size` is unset (the session's rule applies again) and the option is removed.
 * - The option lives in tmux, not in this process: a server that stopped or crashed while a
 *   window was resized puts it back when it attaches to the session again (`restoreSession`),
 *   and a server that stops puts back what it resized (`restoreAll`).
 *
 * Resizes and restores of one pane run one after another, in the order asked, so a viewer that
 * leaves while its resize is under way still gets the window put back after it.
 */
import { CaoError, errorMessage } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';

/** The window option that holds a window's own size while viewers have resized it. */
export const OWN_SIZE_OPTION = '@cao_own_size';

export interface ViewSizesHost {
  /** A tmux command of our own values (over a control client when one is attached). */
  run(args: readonly string[]): Promise<string[]>;
  /** Whether the pane has live viewers now. */
  hasViewers(paneId: string): boolean;
  /** The pane's size changed: its viewers need a new snapshot. */
  reseed(paneId: string): void;
  log: Logger;
}

/** `COLSxROWS` → the two numbers; undefined for anything else. */
export function parseSize(text: string): { cols: number; rows: number } | undefined {
  const m = /^(\d{1,4})x(\d{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  const cols = Number(m[1]);
  const rows = Number(m[2]);
  return cols > 0 && rows > 0 ? { cols, rows } : undefined;
}

export class ViewSizes {
  /** The last operation on each pane (resizes and restores take turns). */
  private readonly queue = new Map<string, Promise<void>>();
  /** Panes this process resized and has not put back yet. */
  private readonly resized = new Set<string>();

  constructor(private readonly host: ViewSizesHost) {}

  /** Resizes the pane's window, saving its own size first (once). */
  resize(paneId: string, cols: number, rows: number): Promise<void> {
    return this.inTurn(paneId, async () => {
      const format = `#{window_id}\t#{window_width}x#{window_height}\t#{${OWN_SIZE_OPTION}}`;
      const [line] = await this.host.run(['display-message', '-p', '-t', paneId, format]);
      const [windowId, size = '', saved = ''] = (line ?? '').split('\t');
      if (!windowId) throw new CaoError('NOT_FOUND', `Pane ${paneId} not found`);
      if (!parseSize(saved)) {
        await this.host.run(['set-option', '-w', '-t', windowId, OWN_SIZE_OPTION, size]);
      }
      this.resized.add(paneId);
      await this.host.run([
        'resize-window',
        '-t',
        windowId,
        '-x',
        String(Math.trunc(cols)),
        '-y',
        String(Math.trunc(rows)),
      ]);
      this.host.reseed(paneId);
    });
  }

  /** The pane's last viewer left: its window gets its own size back. */
  restore(paneId: string): Promise<void> {
    return this.inTurn(paneId, () => this.putBack(paneId)).catch((e: unknown) => {
      // the window may be gone; nothing to put back then
      this.host.log.debug('window size not restored', { pane: paneId, error: errorMessage(e) });
    });
  }

  /** After (re)attaching to a session: windows left resized by an earlier server, put back. */
  async restoreSession(session: string): Promise<void> {
    let lines: string[];
    try {
      lines = await this.host.run([
        'list-panes',
        '-s',
        '-t',
        `=${session}`,
        '-F',
        `#{pane_id}\t#{${OWN_SIZE_OPTION}}`,
      ]);
    } catch (e) {
      this.host.log.debug('window sizes not checked', { session, error: errorMessage(e) });
      return;
    }
    const left = lines
      .map((l) => l.split('\t'))
      .filter(([pane, saved]) => pane && parseSize(saved ?? '') && !this.host.hasViewers(pane));
    await Promise.all(left.map(([pane]) => this.restore(pane!)));
  }

  /** Puts back every window this process resized (the server stops). */
  async restoreAll(): Promise<void> {
    await Promise.all([...this.resized].map((pane) => this.restore(pane)));
  }

  private async putBack(paneId: string): Promise<void> {
    const format = `#{window_id}\t#{${OWN_SIZE_OPTION}}`;
    const [line] = await this.host.run(['display-message', '-p', '-t', paneId, format]);
    this.resized.delete(paneId);
    const [windowId, saved = ''] = (line ?? '').split('\t');
    const size = parseSize(saved);
    if (!windowId || !size) return;
    await this.host.run([
      'resize-window',
      '-t',
      windowId,
      '-x',
      String(size.cols),
      '-y',
      String(size.rows),
    ]);
    // resize-window made the window's size manual: let the session's rule decide again
    await this.host.run(['set-option', '-w', '-u', '-t', windowId, 'window-size']);
    await this.host.run(['set-option', '-w', '-u', '-t', windowId, OWN_SIZE_OPTION]);
    this.host.reseed(paneId);
  }

  private inTurn(paneId: string, fn: () => Promise<void>): Promise<void> {
    const mine = (this.queue.get(paneId) ?? Promise.resolve()).then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.queue.set(paneId, tail);
    void tail.then(() => {
      if (this.queue.get(paneId) === tail) this.queue.delete(paneId);
    });
    return mine;
  }
}
