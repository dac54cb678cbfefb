import xterm from '@xterm/headless';
import fs from 'node:fs';
const raw = fs.readFileSync(process.argv[2], 'utf8');
const t = new xterm.Terminal({ cols: Number(process.argv[3]||200), rows: Number(process.argv[4]||50), allowProposedApi: true, scrollback: 1000, convertEol: true });
t.write(raw, () => {
  const b = t.buffer.active; const out = [];
  for (let i = Math.max(0,b.length-b.viewportY-0); i < b.length; i++) {}
  for (let i = b.baseY; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
  console.log(out.join('\n'));
});
