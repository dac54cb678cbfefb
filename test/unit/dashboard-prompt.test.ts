import { describe, expect, it } from 'vitest';
import { promptOptions } from '../../web/src/prompt.js';

describe('dashboard: the options of a permission prompt', () => {
  it("reads Claude Code's numbered menu at the bottom of the screen", () => {
    const screen = [
      '● Here is a plan:',
      '  1. Write the test',
      '  2. Fix the bug',
      '',
      '────────────────',
      ' Bash command',
      '',
      '   rm -rf build',
      '',
      ' Do you want to proceed?',
      ' ❯ 1. Yes',
      "   2. Yes, and don't ask again for rm commands",
      '   3. No, and tell Claude what to do differently (esc)',
      '',
      ' Esc to cancel · Tab to amend',
    ].join('\n');
    expect(promptOptions(screen)).toEqual([
      { key: '1', label: 'Yes' },
      { key: '2', label: "Yes, and don't ask again for rm commands" },
      { key: '3', label: 'No, and tell Claude what to do differently (esc)' },
    ]);
  });

  it('finds nothing on a screen without a menu', () => {
    expect(promptOptions('> hello\n\nsome answer text\n')).toEqual([]);
  });
});
