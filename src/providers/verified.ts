/**
 * The CLI versions the compatibility matrix verified (docs/compatibility.md, made by the
 * end-to-end run of test/e2e/agent-clis.json; a unit test keeps the three in step). Pure: the
 * version a CLI reports is asked elsewhere (server/providers-info.ts).
 */

/** Per provider id, the versions whose row in the matrix passed every column. */
export const VERIFIED_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  claude_code: ['2.1.331'],
  codex: ['0.169.0'],
  gemini_cli: ['0.61.0'],
  opencode_cli: ['1.18.33'],
  copilot_cli: ['1.0.102'],
  kimi_cli: ['2.1.0'],
  qwen_cli: ['0.24.4'],
};

/** The version number in what a CLI prints for `--version` (`2.1.331 (Claude Code)`). */
export function versionNumber(line: string | null | undefined): string | null {
  return /\d+\.\d+\.\d+(?:[-+][\w.]+)?/.exec(line ?? '')?.[0] ?? null;
}

/** Whether the matrix verified this version of the provider's CLI; null when it is unknown. */
export function isVerified(providerId: string, version: string | null): boolean | null {
  if (version === null) return null;
  return (VERIFIED_VERSIONS[providerId] ?? []).includes(version);
}

/**
 * The one warning line for a launch on a version the matrix did not verify, or undefined when it
 * did (or the version is unknown: nothing to compare).
 */
export function unverifiedWarning(
  providerId: string,
  label: string,
  version: string | null,
): string | undefined {
  if (isVerified(providerId, version) !== false) return undefined;
  const known = VERIFIED_VERSIONS[providerId] ?? [];
  const list = known.length > 0 ? known.join(', ') : 'none (checked against captured screens only)';
  return `${label} ${version} is not a version cao has verified (verified: ${list}); it should work, but if its status looks wrong, see docs/compatibility.md.`;
}
