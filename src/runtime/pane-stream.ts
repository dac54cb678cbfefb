/**
 * The byte stream a live viewer of a pane receives (`TerminalRuntime.streamPane`, the
 * dashboard's `WS /terminals/{id}/ws`). Pure: screen text in, terminal bytes out.
 *
 * A viewer joins a program mid-run, so the stream starts with a **snapshot**: the bytes that
 * redraw the pane, as tmux has it now, on a blank terminal:
 *
 *   1. `OSC 7719 ; cols ; rows BEL`: the pane's size. Terminals ignore OSCs they do not know;
 *      the dashboard resizes its xterm.js to it, so the program's own cursor addressing lands
 *      where the program meant it.
 *   2. `ESC c` (full reset), then the scrollback and the visible screen, line by line with
 *      their colours (`capture-pane -e`); for a program on the alternate screen (a full-screen
 *      TUI), the normal screen first, then `CSI ? 1049 h` and the alternate screen.
 *   3. the scroll region, the cursor position, cursor-key mode and cursor visibility.
 *
 * After it the program's own bytes follow unchanged. A new snapshot is sent whenever the
 * stream has to start over (after a resize, or when tmux dropped output for a slow client).
 */

/** The private OSC number that carries the pane's size (`OSC 7719 ; cols ; rows BEL`). */
export const SIZE_OSC = 7719;

/** Scrollback lines a snapshot carries above the visible screen. */
export const SNAPSHOT_HISTORY = 1000;

export interface ScreenState {
  cols: number;
  rows: number;
  /** Cursor column and row on the visible screen, from 0. */
  cursorX: number;
  cursorY: number;
  cursorVisible: boolean;
  /** The program is on the alternate screen. */
  alternate: boolean;
  /** On the alternate screen: where the cursor goes back to on the normal one when it leaves. */
  savedX?: number;
  savedY?: number;
  /** Cursor keys in application mode (DECCKM: arrows send `ESC O A`). */
  appCursorKeys: boolean;
  /** Scroll region, rows from 0 (inclusive); the whole screen when undefined. */
  scrollTop?: number;
  scrollBottom?: number;
}

export interface SnapshotScreens {
  /** The normal screen: scrollback then the visible rows (the last `rows` lines). */
  normal: readonly string[];
  /** The alternate screen's visible rows, when the program is on it. */
  alternate?: readonly string[];
}

const ESC = '\x1b';

/** The size announcement that opens every snapshot. */
export function sizeSequence(cols: number, rows: number): string {
  return `${ESC}]${SIZE_OSC};${cols};${rows}\x07`;
}

/** The snapshot bytes for a screen (see the file comment). */
export function snapshot(state: ScreenState, screens: SnapshotScreens): Buffer {
  const parts: string[] = [sizeSequence(state.cols, state.rows), `${ESC}c`];
  if (state.alternate && screens.alternate) {
    // the saved normal screen may still have an older, taller size: like tmux when it gives
    // it back, drop blank rows at the bottom first
    const normal = [...screens.normal];
    while (normal.length > state.rows && isBlank(normal[normal.length - 1] ?? '')) normal.pop();
    const y = clamp(state.savedY ?? normal.length - 1, state.rows) + 1;
    const x = clamp(state.savedX ?? 0, state.cols) + 1;
    // 1049h saves the cursor (restored when the program leaves), switches and clears
    parts.push(
      normal.join('\r\n'),
      `${ESC}[0m${ESC}[${y};${x}H${ESC}[?1049h${ESC}[H`,
      screens.alternate.join('\r\n'),
    );
  } else {
    // each line starts at column 0 of a fresh row; \r\n scrolls older lines into the scrollback
    parts.push(screens.normal.join('\r\n'));
  }
  parts.push(`${ESC}[0m`);
  const top = state.scrollTop ?? 0;
  const bottom = state.scrollBottom ?? state.rows - 1;
  if (top > 0 || bottom < state.rows - 1) parts.push(`${ESC}[${top + 1};${bottom + 1}r`);
  parts.push(
    `${ESC}[${clamp(state.cursorY, state.rows) + 1};${clamp(state.cursorX, state.cols) + 1}H`,
  );
  if (state.appCursorKeys) parts.push(`${ESC}[?1h`);
  parts.push(state.cursorVisible ? `${ESC}[?25h` : `${ESC}[?25l`);
  return Buffer.from(parts.join(''), 'utf8');
}

/** `lines` padded or cut to exactly `rows` visible rows at the end (scrollback above). */
export function fitRows(lines: readonly string[], rows: number, keepHistory = true): string[] {
  if (lines.length >= rows) return keepHistory ? [...lines] : lines.slice(-rows);
  return [...lines, ...Array<string>(rows - lines.length).fill('')];
}

// eslint-disable-next-line no-control-regex
const isBlank = (line: string): boolean => line.replace(/\x1b\[[0-9;:]*m/g, '').trim() === '';

const clamp = (n: number, size: number): number =>
  Math.max(0, Math.min(Number.isFinite(n) ? n : 0, Math.max(0, size - 1)));
