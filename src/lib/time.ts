/** Time helpers. Code that needs "now" takes a `Clock` so tests can drive it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** ISO-8601 in UTC, the format the API uses for every timestamp. */
export const isoNow = (clock: Clock = systemClock): string => new Date(clock.now()).toISOString();
