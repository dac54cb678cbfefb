/**
 * `GET /agents/providers`: each provider's binary, whether it is installed, its version and
 * whether the compatibility matrix verified it; and the warning a launch on an unverified
 * version returns.
 */
import { execFile } from 'node:child_process';
import { findBinary } from '../core/binaries.js';
import type { TerminalView } from '../core/views.js';
import { providers } from '../providers/index.js';
import {
  VERIFIED_VERSIONS,
  isVerified,
  unverifiedWarning,
  versionNumber,
} from '../providers/verified.js';
import type { AppDeps, ProviderInfo } from './deps.js';

/** Versions change only when a CLI is upgraded; asking each CLI costs up to a second. */
const VERSION_TTL_MS = 5 * 60_000;

export function providerInfoSource(
  path: () => string | undefined,
): (only?: string) => Promise<ProviderInfo[]> {
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
  return (only) =>
    Promise.all(
      Object.values(providers)
        .filter((p) => only === undefined || p.id === only)
        .map(async (p) => {
          const found = findBinary(p.binary, path()) ?? null;
          const line = found ? await version(found, p.versionArgs) : null;
          const number = versionNumber(line);
          return {
            name: p.id,
            label: p.label,
            binary: p.binary,
            installed: found !== null,
            path: found,
            version: line,
            version_number: number,
            verified: isVerified(p.id, number),
            verified_versions: [...(VERIFIED_VERSIONS[p.id] ?? [])],
          };
        }),
    );
}

/** The warnings for a terminal just launched on this machine (an unverified CLI version). */
export async function launchWarnings(
  deps: Pick<AppDeps, 'providerInfo'>,
  t: Pick<TerminalView, 'provider' | 'host'>,
): Promise<string[]> {
  if (t.host !== 'local') return [];
  const p = (await deps.providerInfo(t.provider))[0];
  if (!p) return [];
  const w = unverifiedWarning(p.name, p.label, p.version_number);
  return w ? [w] : [];
}
