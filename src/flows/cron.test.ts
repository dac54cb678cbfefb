import { describe, expect, it } from 'vitest';
import { assertSchedule, nextRunAfter } from './cron.js';

// cao-server's local time zone decides; these tests pin it by using local Date constructors
const at = (y: number, mo: number, d: number, h: number, mi: number, s = 0): number =>
  new Date(y, mo - 1, d, h, mi, s).getTime();

describe('nextRunAfter', () => {
  it('is strictly after the given time', () => {
    expect(nextRunAfter('* * * * *', at(2026, 1, 1, 0, 0, 30))).toBe(at(2026, 1, 1, 0, 1));
    expect(nextRunAfter('* * * * *', at(2026, 1, 1, 0, 1))).toBe(at(2026, 1, 1, 0, 2));
  });

  it('follows the fields: daily, steps, weekdays, month ends', () => {
    expect(nextRunAfter('30 7 * * *', at(2026, 1, 1, 7, 30))).toBe(at(2026, 1, 2, 7, 30));
    expect(nextRunAfter('30 7 * * *', at(2026, 1, 1, 7, 29))).toBe(at(2026, 1, 1, 7, 30));
    expect(nextRunAfter('*/15 * * * *', at(2026, 1, 1, 10, 16))).toBe(at(2026, 1, 1, 10, 30));
    // 2026-01-02 is a Friday: next weekday 09:00 is Monday the 5th
    expect(nextRunAfter('0 9 * * 1-5', at(2026, 1, 2, 9, 0))).toBe(at(2026, 1, 5, 9, 0));
    expect(nextRunAfter('0 0 1 * *', at(2026, 1, 31, 12, 0))).toBe(at(2026, 2, 1, 0, 0));
    expect(nextRunAfter('@daily', at(2026, 3, 3, 12, 0))).toBe(at(2026, 3, 4, 0, 0));
  });
});

describe('assertSchedule', () => {
  it('accepts 5-field expressions and trims them', () => {
    expect(assertSchedule(' 0 9 * * 1-5 ')).toBe('0 9 * * 1-5');
  });

  it('explains what is wrong and what a valid expression looks like', () => {
    expect(() => assertSchedule('61 * * * *')).toThrow(
      /Invalid schedule '61 \* \* \* \*': Invalid value for minute: 61\. Give a 5-field cron expression/,
    );
    expect(() => assertSchedule('0 0 * * * *')).toThrow(/requires exactly 5 parts/);
    expect(() => assertSchedule('0 0 30 2 *')).toThrow(/never matches a date/);
    expect(() => assertSchedule('')).toThrow(/give a 5-field cron expression/);
    expect(() => assertSchedule('* * * * *\n')).toThrow(/Invalid schedule/);
  });
});
