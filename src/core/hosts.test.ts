import { describe, expect, it } from 'vitest';
import { hostNotes } from './hosts.js';

const cli = (binary: string) => ({ binary, path: `/usr/bin/${binary}`, version: '1' });

describe('hostNotes', () => {
  it("says when OpenCode's sessions cannot be read there for want of sqlite3, and what to do", () => {
    expect(hostNotes({ clis: [cli('opencode')] })).toEqual([
      expect.stringMatching(/sqlite3 is not.*read from the screen.*apt-get install sqlite3/),
    ]);
  });

  it('says nothing when sqlite3 is there, when OpenCode is not, or before the first check', () => {
    expect(hostNotes({ clis: [cli('opencode'), cli('sqlite3')] })).toEqual([]);
    expect(hostNotes({ clis: [cli('claude')] })).toEqual([]);
    expect(hostNotes(undefined)).toEqual([]);
  });
});
