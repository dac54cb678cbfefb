/** `GET /agents/providers`: each provider's binary, whether it is installed, its version. */
import { execFile } from 'node:child_process';
import { findBinary } from '../core/binaries.js';
import { providers } from '../providers/index.js';
import type { ProviderInfo } from './deps.js';

/** Versions change only when a CLI is upgraded; asking each CLI costs up to a second. */
const VERSION_TTL_MS = 5 * 60_000;

export function providerInfoSource(path: () => string | undefined): () => Promise<ProviderInfo[]> {
  const cache = new Map<string, { at: number; version: string | null }>();
  const version = (bin: string, args: readonly string[]): Promise<string | null> => {
    const hit = cache.get(bin);
    if (hit && Date.now() - hit.at < VERSION_TTL_MS) return Promise.resolve(hit.version);
    return new Promise((resolve) => {
      execFile(
        bin,
        [...args],
        { timeout: 10_000, env: { ...process.env, NO_COLOR: '1' } },
        (err, stdout) => {
          const line = err
            ? null
            : (stdout
                .split('\n')
                .find((l) => /\d+\.\d+/.test(l))
                ?.trim() ?? null);
          cache.set(bin, { at: Date.now(), version: line });
          resolve(line);
        },
      );
    });
  };
  return () =>
    Promise.all(
      Object.values(providers).map(async (p) => {
        const found = findBinary(p.binary, path()) ?? null;
        return {
          name: p.id,
          label: p.label,
          binary: p.binary,
          installed: found !== null,
          path: found,
          version: found ? await version(found, p.versionArgs) : null,
        };
      }),
    );
}
