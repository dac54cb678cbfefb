/**
 * Cron schedules of flows: the standard 5-field syntax (minute hour day-of-month month
 * day-of-week, plus croner's nicknames such as `@daily`), evaluated in cao-server's local time
 * zone. Pure: "now" is always a parameter.
 */
import { Cron } from 'croner';
import { CaoError, errorMessage } from '../lib/errors.js';

function parse(schedule: string): Cron {
  return new Cron(schedule.trim(), { paused: true, mode: '5-part' });
}

/** Throws INVALID_INPUT saying what is wrong with the expression and what a valid one is. */
export function assertSchedule(schedule: string): string {
  if (schedule.trim() === '' || /[\r\n\t]/.test(schedule)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid schedule '${schedule}': give a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "30 7 * * *" for 07:30 every day.`,
    );
  }
  try {
    const cron = parse(schedule);
    if (cron.nextRun(new Date(0)) === null) throw new Error('it never matches a date');
  } catch (e) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid schedule '${schedule}': ${errorMessage(e)
        .replace(/^CronPattern: /, '')
        .replace(/\.$/, '')}. ` +
        'Give a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. "30 7 * * *" for 07:30 every day or "*/15 * * * *" for every 15 minutes.',
    );
  }
  return schedule.trim();
}

/** The first time strictly after `afterMs` the schedule matches (epoch ms), or undefined. */
export function nextRunAfter(schedule: string, afterMs: number): number | undefined {
  return parse(schedule).nextRun(new Date(afterMs))?.getTime();
}
