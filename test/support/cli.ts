/**
 * Runs `cao ARGV` through `main` with its HTTP client bound to an in-process stack (no port,
 * no autostart), recording what it prints on stdout and stderr.
 */
import { vi } from 'vitest';
import { CaoClient } from '../../src/client/api.js';
import type { CliContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import type { TestStack } from './stack.js';

export interface CliRun {
  code: number;
  /** Lines on stdout (the command's and main's). */
  out: string[];
  /** Lines on stderr (the command's and main's). */
  err: string[];
}

export async function runCao(stack: TestStack, argv: string[]): Promise<CliRun> {
  const client = new CaoClient('http://127.0.0.1:9889', {
    fetch: (input, init) => Promise.resolve(stack.app.fetch(new Request(input, init))),
    token: stack.tokens.owner,
  });
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    client,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    server: () => Promise.resolve(client),
    agent: () => Promise.resolve(client),
  };
  const lines = (chunk: unknown): string[] => String(chunk).replace(/\n$/, '').split('\n');
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(...lines(chunk));
    return true;
  });
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(...lines(chunk));
    return true;
  });
  try {
    const code = await main(argv, ctx);
    return { code, out, err };
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}
