/** Time helpers. Code that needs "now" takes a `Clock` so tests can drive it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** ISO-8601 in UTC, the format the API uses for every timestamp. */
export const isoNow = (clock: Clock = systemClock): string => new Date(clock.now()).toISOString();

/** A duration for people: whole seconds from 10 s up, one decimal below ("0.3s", never "0s"). */
export const formatSeconds = (ms: number): string =>
  ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${Math.max(0.1, Math.round(ms / 100) / 10)}s`;
