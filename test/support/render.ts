/**
 * Renders a raw terminal byte stream (a pipe-pane capture) to screen text with a real
 * terminal emulator, so raw fixtures can be classified like `capture-pane` screens.
 */
import xterm from '@xterm/headless';

export async function renderRaw(raw: string, cols = 200, rows = 50): Promise<string> {
  const term = new xterm.Terminal({
    cols,
    rows,
    scrollback: 5000,
    allowProposedApi: true,
    // the captures were saved without carriage returns
    convertEol: true,
  });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buf = term.buffer.active;
  const out: string[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  return out.join('\n');
}
