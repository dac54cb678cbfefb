import { describe, expect, it } from 'vitest';
import { isRootOnly, type OwnerAndMode } from './root-only-dir.js';

/** A file system of owner and mode per path; anything else does not exist. */
const fs =
  (entries: Record<string, OwnerAndMode>) =>
  (p: string): OwnerAndMode | undefined =>
    entries[p];

const root = (mode: number): OwnerAndMode => ({ uid: 0, mode: 0o040000 | mode });

describe('isRootOnly', () => {
  it('accepts a path whose every parent is root-owned and not writable by group or others', () => {
    const stat = fs({ '/': root(0o755), '/run': root(0o755), '/run/cao': root(0o700) });
    expect(isRootOnly('/run/cao', stat)).toBe(true);
    expect(isRootOnly('/run/../run/cao/', stat)).toBe(true);
  });

  it('refuses a path below /tmp (1777), even with the sticky bit', () => {
    const stat = fs({ '/': root(0o755), '/tmp': root(0o1777), '/tmp/x': root(0o700) });
    expect(isRootOnly('/tmp/x', stat)).toBe(false);
  });

  it('refuses a parent writable by its group, one owned by another user, and a missing path', () => {
    expect(
      isRootOnly('/a/b', fs({ '/': root(0o755), '/a': root(0o775), '/a/b': root(0o700) })),
    ).toBe(false);
    expect(
      isRootOnly(
        '/a/b',
        fs({ '/': root(0o755), '/a': { uid: 1000, mode: 0o040755 }, '/a/b': root(0o700) }),
      ),
    ).toBe(false);
    expect(isRootOnly('/a/b', fs({ '/': root(0o755), '/a': root(0o755) }))).toBe(false);
  });
});
