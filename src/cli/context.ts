/** What every command gets: where the server is, the credentials to use, how to print. */
import { CaoClient } from '../client/api.js';
import { authFiles, readSecret } from '../lib/auth-files.js';
import { apiBaseUrl } from '../lib/config.js';
import { caoPaths } from '../lib/paths.js';
import { mayAutostart, startServer } from './autostart.js';

export interface CliContext {
  /** The client, without starting cao-server (for commands that only report on it). */
  client: CaoClient;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The client that starts cao-server when a request finds none (when allowed). */
  server(): Promise<CaoClient>;
  /**
   * The client for `cao agent …`: inside a cao terminal it carries that terminal's own token,
   * so the call acts as that terminal; elsewhere the owner's.
   */
  agent(): Promise<CaoClient>;
}

/**
 * The owner token (CAO_HOME/auth/owner.token, readable only by the owner) and the terminal
 * token of the cao terminal this runs in (CAO_TERMINAL_TOKEN_FILE), each read when a request
 * is made: a server this command just started has just written the owner token.
 */
function credentials(): { owner: () => string | undefined; terminal: () => string | undefined } {
  const file = authFiles(caoPaths()).owner;
  const terminalFile = process.env['CAO_TERMINAL_TOKEN_FILE'];
  return {
    owner: () => readSecret(file),
    terminal: () => (terminalFile ? readSecret(terminalFile) : undefined),
  };
}

export function createContext(): CliContext {
  const baseUrl = apiBaseUrl();
  const { owner, terminal } = credentials();
  const onRefused = mayAutostart(baseUrl) ? () => startServer(baseUrl) : undefined;
  const asOwner = (): string | undefined => owner() ?? terminal();
  const asTerminal = (): string | undefined => terminal() ?? owner();
  const client = new CaoClient(baseUrl, { token: asOwner });
  const starting = onRefused ? new CaoClient(baseUrl, { token: asOwner, onRefused }) : client;
  const agent = new CaoClient(baseUrl, { token: asTerminal, ...(onRefused ? { onRefused } : {}) });
  return {
    client,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    server: () => Promise.resolve(starting),
    agent: () => Promise.resolve(agent),
  };
}

export const json = (v: unknown): string => JSON.stringify(v, null, 2);

/**
 * Left-aligned fixed-width columns (the original CAO's table style). `paint` styles one
 * column's text (a status colour) after the padding is worked out, so colours never shift columns.
 */
export function row(
  cells: readonly string[],
  widths: readonly number[],
  paint?: { column: number; with: (text: string) => string },
): string {
  return cells
    .map((c, i) => {
      const w = widths[i] ?? 0;
      const last = i === cells.length - 1;
      const text = last ? c : c.length >= w ? c.slice(0, w - 1) : c;
      const styled = paint?.column === i ? paint.with(text) : text;
      return last ? styled : styled + ' '.repeat(Math.max(1, w - text.length));
    })
    .join('')
    .trimEnd();
}
