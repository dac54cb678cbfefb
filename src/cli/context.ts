/** What every command gets: where the server is, how to print. */
import { ApiClient } from '../client/api.js';
import { apiBaseUrl } from '../lib/config.js';
import { ensureServer } from './autostart.js';

export interface CliContext {
  client: ApiClient;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The client, after making sure cao-server runs (starting it when allowed). */
  server(): Promise<ApiClient>;
}

export function createContext(): CliContext {
  const client = new ApiClient(apiBaseUrl());
  let ensured = false;
  return {
    client,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    async server() {
      if (!ensured) {
        await ensureServer(client);
        ensured = true;
      }
      return client;
    },
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
