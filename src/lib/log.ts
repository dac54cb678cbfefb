/**
 * A tiny structured logger: one JSON object per line, to a file or stderr. The server logs
 * here; the CLI prints for people and does not use it.
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Append to this file; stderr when absent. */
  file?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n';
    if (options.file) {
      try {
        appendFileSync(options.file, line, { mode: 0o600 });
        return;
      } catch {
        // the log file became unwritable (disk full, dir removed): fall back to stderr
      }
    }
    process.stderr.write(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A logger that drops everything (tests, the in-process stack). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function parseLogLevel(v: string | undefined): LogLevel {
  const l = (v ?? '').toLowerCase();
  return l === 'debug' || l === 'warn' || l === 'error' ? l : 'info';
}
