import { describe, expect, it } from 'vitest';
import { closesBlock, commandLine, parseControlLine, quoteArg } from './protocol.js';

describe('control-mode lines', () => {
  it('parses guards with their flags', () => {
    expect(parseControlLine('%begin 1795558559 264 1')).toEqual({
      kind: 'begin',
      time: '1795558559',
      num: '264',
      flags: 1,
    });
    expect(parseControlLine('%error 1 2 0')).toMatchObject({ kind: 'error', flags: 0 });
  });

  it('reduces output notifications to the pane that changed', () => {
    expect(parseControlLine('%output %3 echo second\\015\\012')).toEqual({
      kind: 'output',
      paneId: '%3',
    });
    expect(parseControlLine('%extended-output %0 0 : abc')).toEqual({
      kind: 'output',
      paneId: '%0',
    });
    expect(parseControlLine('%pause %7')).toEqual({ kind: 'pause', paneId: '%7' });
  });

  it('parses subscription changes (as seen on tmux 3.3a)', () => {
    expect(parseControlLine('%subscription-changed dead $0 @0 0 %0 : 1')).toEqual({
      kind: 'subscription-changed',
      name: 'dead',
      paneId: '%0',
      value: '1',
    });
  });

  it('parses lifecycle notifications', () => {
    expect(parseControlLine('%window-close @4')).toEqual({ kind: 'window-close', windowId: '@4' });
    expect(parseControlLine('%exit')).toEqual({ kind: 'exit', reason: '' });
    expect(parseControlLine('%exit server exited')).toEqual({
      kind: 'exit',
      reason: 'server exited',
    });
    expect(parseControlLine('%layout-change @1 abc')).toMatchObject({
      kind: 'notification',
      name: 'layout-change',
    });
  });

  it('matches a block end only to its own begin', () => {
    const begin = { time: '10', num: '3' };
    expect(closesBlock('%end 10 3 1', begin)).toBe('end');
    expect(closesBlock('%error 10 3 1', begin)).toBe('error');
    expect(closesBlock('%end 10 4 1', begin)).toBeUndefined();
    expect(closesBlock('%end of the line', begin)).toBeUndefined();
  });
});

describe('control-mode quoting', () => {
  it('leaves plain arguments alone and quotes formats', () => {
    expect(commandLine(['capture-pane', '-p', '-t', '%3'])).toBe('capture-pane -p -t %3');
    expect(quoteArg('#{pane_dead} #{pane_id}')).toBe("'#{pane_dead} #{pane_id}'");
    expect(quoteArg('a;b')).toBe("'a;b'");
  });

  it('refuses anything that could escape the quoting', () => {
    expect(() => quoteArg("it's")).toThrow(/unsafe/);
    expect(() => quoteArg('a\nb')).toThrow(/unsafe/);
    expect(() => quoteArg('')).toThrow(/unsafe/);
    expect(() => quoteArg('back\\slash')).toThrow(/unsafe/);
  });
});
