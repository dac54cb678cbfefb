import { describe, expect, it } from 'vitest';
import { viewStream as view } from '../../test/support/terminal-view.js';
import { fitRows, sizeSequence, snapshot, type ScreenState } from './pane-stream.js';

const base: ScreenState = {
  cols: 30,
  rows: 5,
  cursorX: 2,
  cursorY: 3,
  cursorVisible: true,
  alternate: false,
  appCursorKeys: false,
};

describe('pane snapshots', () => {
  it('redraw the screen, the scrollback and the cursor at the pane size', async () => {
    const normal = ['old 1', 'old 2', 'line A', '\x1b[1mbold\x1b[0m B', '', '> x', ''];
    const state = { ...base, cursorX: 3 };
    const v = await view([snapshot(state, { normal })]);
    expect(v.cols).toBe(30);
    expect(v.rows).toBe(5);
    expect(v.scrollback).toEqual(['old 1', 'old 2']);
    expect(v.lines).toEqual(['line A', 'bold B', '', '> x', '']);
    expect([v.x, v.y]).toEqual([3, 3]);
    // the program's next bytes land where it expects the cursor
    const after = await view([snapshot(state, { normal }), 'yz']);
    expect(after.lines[3]).toBe('> xyz');
  });

  it('replace whatever the viewer showed before (a new snapshot after a resize)', async () => {
    const first = snapshot(base, { normal: ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'] });
    const second = snapshot(
      { ...base, cols: 20, rows: 3, cursorX: 0, cursorY: 0 },
      { normal: ['one', 'two', 'three'] },
    );
    const v = await view([first, 'garbage', second]);
    expect([v.cols, v.rows]).toEqual([20, 3]);
    expect(v.lines).toEqual(['one', 'two', 'three']);
    expect(v.scrollback).toEqual([]);
  });

  it('put a full-screen program back on the alternate screen, the normal screen under it', async () => {
    const s = snapshot(
      { ...base, alternate: true, cursorX: 0, cursorY: 1 },
      { normal: ['$ vim', '', '', '', ''], alternate: ['~ file', '~', '~', '~', '"f" 1L'] },
    );
    const v = await view([s]);
    expect(v.alt).toBe(true);
    expect(v.lines).toEqual(['~ file', '~', '~', '~', '"f" 1L']);
    const back = await view([s, '\x1b[?1049l']);
    expect(back.alt).toBe(false);
    expect(back.lines[0]).toBe('$ vim');
  });

  it('carry the modes that change what keys send, and a hidden cursor', () => {
    const s = snapshot(
      { ...base, appCursorKeys: true, cursorVisible: false, scrollTop: 1, scrollBottom: 3 },
      { normal: fitRows([], 5) },
    ).toString('utf8');
    expect(s.startsWith(sizeSequence(30, 5))).toBe(true);
    expect(s).toContain('\x1b[?1h');
    expect(s).toContain('\x1b[2;4r');
    expect(s.endsWith('\x1b[?25l')).toBe(true);
  });

  it('fitRows pads a short screen and can drop the scrollback', () => {
    expect(fitRows(['a'], 3)).toEqual(['a', '', '']);
    expect(fitRows(['a', 'b', 'c', 'd'], 2)).toEqual(['a', 'b', 'c', 'd']);
    expect(fitRows(['a', 'b', 'c', 'd'], 2, false)).toEqual(['c', 'd']);
  });
});
