/** The part of autocannon's API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
  }

  export interface Result {
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    requests: { total: number; average: number };
    latency: { p50: number; p99: number; average: number; max: number };
  }

  /** The instance emits `response` (client, statusCode, bytes, responseTime in ms). */
  export default function autocannon(
    opts: Options,
    cb: (err: Error | null, result: Result) => void,
  ): EventEmitter;
}
