/** What every command gets: where the server is, how to print. */
import { CaoClient } from '../client/api.js';
import { apiBaseUrl } from '../lib/config.js';
import { mayAutostart, startServer } from './autostart.js';

export interface CliContext {
  /** The client, without starting cao-server (for commands that only report on it). */
  client: CaoClient;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The client that starts cao-server when a request finds none (when allowed). */
  server(): Promise<CaoClient>;
}

export function createContext(): CliContext {
  const baseUrl = apiBaseUrl();
  const client = new CaoClient(baseUrl);
  const starting = mayAutostart(baseUrl)
    ? new CaoClient(baseUrl, { onRefused: () => startServer(baseUrl) })
    : client;
  return {
    client,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    server: () => Promise.resolve(starting),
  };
}

export const json = (v: unknown): string => JSON.stringify(v, null, 2);

/** Left-aligned fixed-width columns (the original CAO's table style). */
export function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => {
      const w = widths[i] ?? 0;
      return i === cells.length - 1 ? c : c.length >= w ? `${c.slice(0, w - 1)} ` : c.padEnd(w);
    })
    .join('')
    .trimEnd();
}
