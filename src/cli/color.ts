/**
 * Colour for status words: only on a terminal, and never when NO_COLOR is set (no-color.org)
 * or TERM is dumb. Pure: the caller says whether the stream is a TTY and what the env is.
 */
const CODES: Record<string, string> = {
  idle: '32', // green: ready for a message
  completed: '32',
  processing: '33', // yellow: working
  waiting_user_answer: '1;35', // bold magenta: needs you
  error: '31', // red
  unknown: '90', // grey
};

export interface ColorWhere {
  isTTY: boolean | undefined;
  env: Record<string, string | undefined>;
}

export function colorEnabled(w: ColorWhere): boolean {
  const noColor = w.env['NO_COLOR'];
  return w.isTTY === true && (noColor === undefined || noColor === '') && w.env['TERM'] !== 'dumb';
}

/** `status` wrapped in its colour when `enabled`, else as is. */
export function colorStatus(status: string, enabled: boolean): string {
  const code = CODES[status];
  return enabled && code ? `\u001B[${code}m${status}\u001B[0m` : status;
}

/** For the CLI's stdout. */
export function statusPainter(): (status: string) => string {
  const enabled = colorEnabled({ isTTY: process.stdout.isTTY, env: process.env });
  return (s) => colorStatus(s, enabled);
}
