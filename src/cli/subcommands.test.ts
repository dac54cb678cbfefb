import { describe, expect, it } from 'vitest';
import { CaoClient } from '../client/api.js';
import { UsageError } from './args.js';
import type { CliContext } from './context.js';
import { runSubcommand, type Subcommand } from './subcommands.js';

/** A context that records what is printed; these tests never reach a server. */
function recorder(): CliContext & { printed: string[] } {
  const printed: string[] = [];
  return {
    printed,
    client: new CaoClient('http://127.0.0.1:9'),
    out: (t) => printed.push(t),
    err: (t) => printed.push(t),
    server: () => Promise.reject(new Error('no server in this test')),
    agent: () => Promise.reject(new Error('no server in this test')),
  };
}

const seen: string[][] = [];
const TABLE: Record<string, Subcommand> = {
  list: (argv) => {
    seen.push(argv);
    return Promise.resolve(7);
  },
};

describe('runSubcommand', () => {
  it('runs the named sub-command with the arguments after its name', async () => {
    const ctx = recorder();
    await expect(runSubcommand('thing', TABLE, 'U', ['list', '--json', 'x'], ctx)).resolves.toBe(7);
    expect(seen.at(-1)).toEqual(['--json', 'x']);
    expect(ctx.printed).toEqual([]);
  });

  it('prints the usage: exit 2 without a sub-command, 0 for --help and -h', async () => {
    for (const [argv, code] of [
      [[], 2],
      [['--help'], 0],
      [['-h'], 0],
    ] as const) {
      const ctx = recorder();
      await expect(runSubcommand('thing', TABLE, 'U', [...argv], ctx)).resolves.toBe(code);
      expect(ctx.printed).toEqual(['U']);
    }
  });

  it('rejects an unknown sub-command, inherited object keys included, with a usage error', async () => {
    for (const sub of ['nope', 'constructor', 'toString']) {
      const error = await runSubcommand('thing', TABLE, 'U', [sub], recorder()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toMatchObject({ message: `unknown thing command '${sub}'`, usage: 'U' });
    }
  });
});

describe('runSubcommand suggestions', () => {
  it('suggests the closest sub-command for a typo, and none for a word far from all', async () => {
    const typo = await runSubcommand('thing', TABLE, 'U', ['lsit'], recorder()).catch(
      (e: unknown) => e,
    );
    expect(typo).toMatchObject({ message: "unknown thing command 'lsit' (did you mean list?)" });
    const far = await runSubcommand('thing', TABLE, 'U', ['zzzzzz'], recorder()).catch(
      (e: unknown) => e,
    );
    expect(far).toMatchObject({ message: "unknown thing command 'zzzzzz'" });
  });
});
