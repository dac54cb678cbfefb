/**
 * What the dashboard's terminal does with a pane stream (`runtime/pane-stream.ts`), headless:
 * an xterm.js terminal that takes its size from the snapshot's OSC 7719, fed the chunks.
 */
import xterm from '@xterm/headless';
import { SIZE_OSC } from '../../src/runtime/pane-stream.js';

export interface Viewed {
  /** The visible rows, trailing blanks trimmed. */
  lines: string[];
  /** Rows scrolled above the visible screen, oldest first. */
  scrollback: string[];
  x: number;
  y: number;
  alt: boolean;
  cols: number;
  rows: number;
}

export async function viewStream(chunks: readonly (string | Uint8Array)[]): Promise<Viewed> {
  const term = new xterm.Terminal({ cols: 80, rows: 24, scrollback: 5000, allowProposedApi: true });
  term.parser.registerOscHandler(SIZE_OSC, (data) => {
    const [cols, rows] = data.split(';').map(Number);
    if (cols && rows) term.resize(cols, rows);
    return true;
  });
  for (const c of chunks) await new Promise<void>((resolve) => term.write(c, resolve));
  const buf = term.buffer.active;
  const line = (i: number): string => buf.getLine(i)?.translateToString(true) ?? '';
  const out: Viewed = {
    lines: Array.from({ length: term.rows }, (_, i) => line(buf.viewportY + i)),
    scrollback: Array.from({ length: buf.viewportY }, (_, i) => line(i)),
    x: buf.cursorX,
    y: buf.cursorY,
    alt: buf.type === 'alternate',
    cols: term.cols,
    rows: term.rows,
  };
  term.dispose();
  return out;
}
