import { describe, expect, it } from 'vitest';
import { blankOrDeadPane } from './screen.js';

describe('blankOrDeadPane', () => {
  it('calls an all-blank screen unknown', () => {
    expect(blankOrDeadPane([])).toEqual({ status: 'unknown', rule: 'empty-screen', evidence: [] });
    expect(blankOrDeadPane(['', '   ', '\u00a0'])?.rule).toBe('empty-screen');
  });

  it('calls tmux`s remain-on-exit banner in the last lines an error, the latest as evidence', () => {
    const lines = ['Pane is dead (status 1, a)', 'Pane is dead (signal 9, b)', '', ''];
    expect(blankOrDeadPane(lines)).toEqual({
      status: 'error',
      rule: 'pane-dead',
      evidence: ['Pane is dead (signal 9, b)'],
    });
  });

  it('looks for the banner only in the last `within` lines, and says nothing otherwise', () => {
    const lines = ['Pane is dead (status 0, a)', ...Array<string>(25).fill('text')];
    expect(blankOrDeadPane(lines)).toBeUndefined();
    expect(blankOrDeadPane(lines, 30)?.rule).toBe('pane-dead');
    expect(blankOrDeadPane(['ready >'])).toBeUndefined();
  });
});
