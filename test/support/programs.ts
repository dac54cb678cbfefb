/**
 * Which fake program a window of the in-process stack runs, by the profile it was started
 * with: tests of workers give `reviewer` windows a program of their own (one that crashes,
 * asks, or is slow) and every other window (the conductor, callers) another.
 */
import type { FakeProgram } from '../../src/runtime/fake-runtime.js';
import type { WindowSpec } from '../../src/runtime/runtime.js';
import { fakeClaude, type FakeClaudeOptions } from './fake-claude.js';

/** A fake Claude Code with these options, or a program of the test's own. */
export type ProgramChoice = FakeClaudeOptions | FakeProgram;

export interface ProgramsByProfile {
  reviewer?: ProgramChoice | undefined;
  others?: ProgramChoice | undefined;
}

const programOf = (c: ProgramChoice | undefined): FakeProgram =>
  c && 'start' in c ? c : fakeClaude(c);

/** A `program` option for `createTestStack`. */
export const programsByProfile =
  (o: ProgramsByProfile) =>
  (spec: WindowSpec): FakeProgram =>
    programOf(spec.windowName.startsWith('reviewer-') ? o.reviewer : o.others);
