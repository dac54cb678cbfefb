/**
 * Per-terminal files (prompt, MCP config, launch file, Gemini's settings): each is named
 * `{terminal id}.*`, in CAO_HOME's tmp/ or in the root-only directory (lib/root-only-dir.ts).
 * One place knows where they are, for removing one terminal's files and for sweeping those of
 * terminals that are gone when cao-server starts.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreDeps } from './deps.js';

const TERMINAL_FILE_RE = /^([0-9a-f]{8})\./;

/** Removes the files of every terminal id for which `remove` says yes; returns how many. */
export function removeTerminalFiles(
  deps: Pick<CoreDeps, 'paths' | 'rootOnlyDir'>,
  remove: (terminalId: string) => boolean,
): number {
  let removed = 0;
  for (const dir of new Set([deps.paths.tmp, deps.rootOnlyDir ?? deps.paths.tmp])) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const id = TERMINAL_FILE_RE.exec(name)?.[1];
      if (id === undefined || !remove(id)) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
