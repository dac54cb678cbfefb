import { describe, expect, it } from 'vitest';
import { closesBlock, commandLine, decodeOutput, parseControlLine, quoteArg } from './protocol.js';

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

  it('reduces output notifications to the pane that changed and its escaped bytes', () => {
    expect(parseControlLine('%output %3 echo second\\015\\012')).toEqual({
      kind: 'output',
      paneId: '%3',
      data: 'echo second\\015\\012',
    });
    expect(parseControlLine('%extended-output %0 0 : abc')).toEqual({
      kind: 'output',
      paneId: '%0',
      data: 'abc',
    });
    expect(parseControlLine('%extended-output %0 12 : a : b')).toMatchObject({ data: 'a : b' });
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

describe('output bytes (decodeOutput)', () => {
  const latin1 = (b: Buffer): string => b.toString('latin1');

  it('turns octal escapes back into bytes and keeps everything else as is', () => {
    expect(decodeOutput('a\\015\\012b\\134c\\033[1m')).toEqual(Buffer.from('a\r\nb\\c\x1b[1m'));
    expect(decodeOutput('')).toEqual(Buffer.alloc(0));
    // a backslash not followed by three octal digits is not an escape (tmux never sends one)
    expect(decodeOutput('x\\9')).toEqual(Buffer.from('x\\9'));
  });

  it('keeps raw bytes above 0x7f, so UTF-8 split across notifications joins up', () => {
    const text = 'é─✻ done';
    const bytes = Buffer.from(text, 'utf8');
    // tmux may cut a pane's output anywhere, even inside a character
    const first = decodeOutput(latin1(bytes.subarray(0, 2)));
    const second = decodeOutput(latin1(bytes.subarray(2)));
    expect(Buffer.concat([first, second]).toString('utf8')).toBe(text);
  });

  it('round-trips every byte value as tmux escapes it', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    let escaped = '';
    for (const b of all) {
      escaped +=
        b < 0x20 || b === 0x5c ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
    }
    expect(decodeOutput(escaped)).toEqual(all);
  });
});
