import { describe, expect, it } from 'vitest';
import { isCaoError } from '../lib/errors.js';
import {
  blankOrDeadPane,
  leadingForeground,
  noSuchOption,
  optionIndex,
  showsText,
  styledLines,
} from './screen.js';

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

describe('showsText', () => {
  const message = 'Please review the parser changes in src/parse.ts today';

  it('finds the start of a message wrapped or indented by the CLI', () => {
    expect(showsText('❯ Please review the parser chan\n  ges in src/parse.ts', message)).toBe(true);
    expect(showsText('  > Please   review the\n    parser changes', message)).toBe(true);
  });

  it('says no for other text, a message cut before 24 characters, or an empty message', () => {
    expect(showsText('❯ Please review the tests', message)).toBe(false);
    expect(showsText('❯ Please review the pars', message)).toBe(false);
    expect(showsText('anything', '  \n ')).toBe(false);
  });
});

describe('optionIndex', () => {
  const options = ['Red', 'Blue', 'Blue-green', 'Type something.'];
  it('takes a number in range', () => {
    expect(optionIndex(options, '2')).toBe(1);
    expect(optionIndex(options, ' 4 ')).toBe(3);
    expect(optionIndex(options, '0')).toBeUndefined();
    expect(optionIndex(options, '5')).toBeUndefined();
  });
  it("takes an option's text, case-insensitive: the whole label, else the only one it starts", () => {
    expect(optionIndex(options, 'red')).toBe(0);
    expect(optionIndex(options, 'BLUE')).toBe(1);
    expect(optionIndex(options, 'blue-')).toBe(2);
    expect(optionIndex(options, 'type')).toBe(3);
    expect(optionIndex(options, 'bl')).toBeUndefined();
    expect(optionIndex(options, 'purple')).toBeUndefined();
    expect(optionIndex(options, '  ')).toBeUndefined();
  });
  it('refuses with the options listed', () => {
    const e = noSuchOption(['Red', 'Blue'], 'purple');
    expect(isCaoError(e) && e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe(
      '"purple" is not one of the options (1. Red, 2. Blue). Answer with an option\'s number or its text.',
    );
  });
});

describe('styled screens', () => {
  it('splits a styled screen in step with its plain lines, and nothing for plain text', () => {
    expect(styledLines('plain\ntext')).toBeUndefined();
    expect(styledLines('\x1b[31mred\x1b[39m\r\nnext')).toEqual(['\x1b[31mred\x1b[39m', 'next']);
  });

  it('reads the foreground colour at the first visible character', () => {
    expect(leadingForeground('  \x1b[38;5;210mError: x\x1b[39m')).toBe('38;5;210');
    expect(leadingForeground('\x1b[1;31mbold red')).toBe('31');
    expect(leadingForeground('\x1b[38;2;255;0;0mrgb')).toBe('38;2;255;0;0');
    // reset before the text, or colour only after it: the default colour
    expect(leadingForeground('\x1b[31m\x1b[0m  Error: x')).toBe('');
    expect(leadingForeground('   Error: \x1b[31mx')).toBe('');
    expect(leadingForeground('\x1b[1mbold only')).toBe('');
  });
});
