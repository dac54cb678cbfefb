import { describe, expect, it } from 'vitest';
import { colorEnabled, colorStatus } from './color.js';

describe('status colours', () => {
  it('are on only on a TTY without NO_COLOR and with a capable TERM', () => {
    expect(colorEnabled({ isTTY: true, env: {} })).toBe(true);
    expect(colorEnabled({ isTTY: false, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: undefined, env: {} })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorEnabled({ isTTY: true, env: { NO_COLOR: '' } })).toBe(true);
    expect(colorEnabled({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false);
  });

  it('wrap known statuses when enabled and leave everything else alone', () => {
    expect(colorStatus('waiting_user_answer', true)).toBe(
      '\u001B[1;35mwaiting_user_answer\u001B[0m',
    );
    expect(colorStatus('idle', true)).toBe('\u001B[32midle\u001B[0m');
    expect(colorStatus('idle', false)).toBe('idle');
    expect(colorStatus('-', true)).toBe('-');
  });
});
