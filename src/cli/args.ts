/** Argument parsing for one command (node:util parseArgs), with usage errors that exit 2. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends Options> {
  values: {
    [K in keyof O]?: O[K]['type'] extends 'boolean'
      ? O[K]['multiple'] extends true
        ? boolean[]
        : boolean
      : O[K]['multiple'] extends true
        ? string[]
        : string;
  };
  positionals: string[];
}

export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  maxPositionals = Infinity,
): Parsed<O> {
  try {
    const r = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if ((r.values as Record<string, unknown>)['help']) throw new HelpRequested(usage);
    if (r.positionals.length > maxPositionals) {
      throw new UsageError(`unexpected argument '${r.positionals[maxPositionals]}'`, usage);
    }
    return r;
  } catch (e) {
    if (e instanceof HelpRequested || e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), usage);
  }
}

export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help');
    this.name = 'HelpRequested';
  }
}
