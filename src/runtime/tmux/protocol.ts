/**
 * Pure parsing of tmux control-mode output lines (`tmux -C`), see tmux(1) "CONTROL MODE".
 * Command replies arrive between `%begin` and `%end`/`%error`; notifications never arrive
 * inside such a block, so a parser only has to know whether it is inside one.
 */

export type ControlLine =
  | { kind: 'begin'; time: string; num: string; flags: number }
  | { kind: 'end'; time: string; num: string; flags: number }
  | { kind: 'error'; time: string; num: string; flags: number }
  /** `data`: the pane's bytes as tmux sent them (octal-escaped, one char per byte); see `decodeOutput`. */
  | { kind: 'output'; paneId: string; data: string }
  | { kind: 'pause'; paneId: string }
  | { kind: 'continue'; paneId: string }
  | { kind: 'window-close'; windowId: string }
  | { kind: 'window-add'; windowId: string }
  | { kind: 'sessions-changed' }
  | { kind: 'subscription-changed'; name: string; paneId: string | undefined; value: string }
  | { kind: 'exit'; reason: string }
  | { kind: 'notification'; name: string; rest: string };

const GUARD_RE = /^%(begin|end|error) (\d+) (\d+) (\d+)$/;

/** Classifies one line that arrived outside a reply block (or a guard line ending one). */
export function parseControlLine(line: string): ControlLine {
  const guard = GUARD_RE.exec(line);
  if (guard) {
    const [, kind, time, num, flags] = guard;
    return {
      kind: kind as 'begin' | 'end' | 'error',
      time: time!,
      num: num!,
      flags: Number(flags),
    };
  }
  const space = line.indexOf(' ');
  const name = space < 0 ? line.slice(1) : line.slice(1, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  const first = rest.split(' ', 1)[0] ?? '';
  switch (name) {
    case 'output':
      // %output %<pane> <data>
      return { kind: 'output', paneId: first, data: rest.slice(first.length + 1) };
    case 'extended-output': {
      // %extended-output %<pane> <age> ... : <data>
      const colon = rest.indexOf(' : ');
      return { kind: 'output', paneId: first, data: colon < 0 ? '' : rest.slice(colon + 3) };
    }
    case 'pause':
      return { kind: 'pause', paneId: first };
    case 'continue':
      return { kind: 'continue', paneId: first };
    case 'window-close':
    case 'unlinked-window-close':
      return { kind: 'window-close', windowId: first };
    case 'window-add':
    case 'unlinked-window-add':
      return { kind: 'window-add', windowId: first };
    case 'sessions-changed':
      return { kind: 'sessions-changed' };
    case 'exit':
      return { kind: 'exit', reason: rest };
    case 'subscription-changed': {
      // %subscription-changed <name> $<session> @<window> <index> %<pane> ... : <value>
      const colon = rest.indexOf(' : ');
      const head = (colon < 0 ? rest : rest.slice(0, colon)).split(' ');
      const value = colon < 0 ? '' : rest.slice(colon + 3);
      return {
        kind: 'subscription-changed',
        name: head[0] ?? '',
        paneId: head.find((w) => w.startsWith('%')),
        value,
      };
    }
    default:
      return { kind: 'notification', name, rest };
  }
}

/**
 * The raw bytes of an `%output` payload. tmux writes bytes below 0x20 and the backslash as
 * `\ooo` (three octal digits) and every other byte as itself; `escaped` holds one char per byte
 * (the line decoded as latin1), so multi-byte UTF-8 characters split across two notifications
 * come out whole once the chunks are joined.
 */
export function decodeOutput(escaped: string): Buffer {
  const out = Buffer.allocUnsafe(escaped.length);
  let n = 0;
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped.charCodeAt(i);
    if (c === 0x5c && i + 3 < escaped.length && isOctal(escaped, i + 1)) {
      out[n++] =
        (((escaped.charCodeAt(i + 1) - 48) << 6) |
          ((escaped.charCodeAt(i + 2) - 48) << 3) |
          (escaped.charCodeAt(i + 3) - 48)) &
        0xff;
      i += 3;
    } else out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

function isOctal(s: string, at: number): boolean {
  for (let k = at; k < at + 3; k++) {
    const c = s.charCodeAt(k);
    if (!(c >= 48 && c <= 55)) return false;
  }
  return true;
}

/** True when the guard line `line` closes the block opened by `begin`. */
export function closesBlock(
  line: string,
  begin: { time: string; num: string },
): 'end' | 'error' | undefined {
  const g = GUARD_RE.exec(line);
  if (!g || g[2] !== begin.time || g[3] !== begin.num) return undefined;
  if (g[1] === 'end') return 'end';
  if (g[1] === 'error') return 'error';
  return undefined;
}

const SAFE_ARG_RE = /^[A-Za-z0-9_%@$:=.,/+#{}!?-]+$/;

/**
 * Quotes one argument for a control-mode command line. Only our own values go this way (pane
 * ids, buffer names, key names, formats); user text never does. Anything with a quote, a
 * backslash, a space at the edges or a control character is refused outright.
 */
export function quoteArg(arg: string): string {
  // eslint-disable-next-line no-control-regex
  if (arg === '' || /['\\\u0000-\u0008\u000a-\u001f\u007f]/.test(arg)) {
    throw new Error(
      `refusing to send unsafe argument to tmux control mode: ${JSON.stringify(arg)}`,
    );
  }
  // '#' starts a comment and '{' a block in tmux's command syntax: quote those too
  // tabs are kept (format separators) but must be inside quotes
  return SAFE_ARG_RE.test(arg) && !/[#{};\t]/.test(arg) ? arg : `'${arg}'`;
}

export const commandLine = (args: readonly string[]): string => args.map(quoteArg).join(' ');
