/**
 * Argument parsing for one command, done by commander: unknown options are refused with a
 * "did you mean", values are checked, and `-h`/`--help` asks for the command's usage. Commands
 * keep their own usage text; commander here only parses.
 */
import { Command, CommanderError, Option } from 'commander';

import { HelpRequested, UsageError } from './usage-error.js';

export { HelpRequested, UsageError };

/** One option: a flag (`boolean`) or an option with a value (`string`), maybe repeatable. */
export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
}
type Options = Record<string, OptionSpec>;

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

/** commander's "error: unknown option '--jsn'\n(Did you mean --json?)" as one readable line. */
export function commanderMessage(e: CommanderError): string {
  return e.message
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean (.*)\?\)\s*$/, ' (did you mean $1?)')
    .trim();
}

const silent = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };

function append(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  maxPositionals = Infinity,
): Parsed<O> {
  const cmd = new Command()
    .helpOption(false)
    .exitOverride()
    .configureOutput(silent)
    .allowExcessArguments()
    .option('-h, --help');
  const names = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    const flags = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    const option = new Option(flags);
    if (spec.type === 'string' && spec.multiple) option.argParser(append);
    cmd.addOption(option);
    names.set(option.attributeName(), name);
  }
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) throw new UsageError(commanderMessage(e), usage);
    throw e;
  }
  const opts = cmd.opts();
  if (opts['help']) throw new HelpRequested(usage);
  const values: Record<string, unknown> = {};
  for (const [attribute, name] of names) {
    if (opts[attribute] !== undefined) values[name] = opts[attribute];
  }
  const positionals = cmd.args;
  if (positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals[maxPositionals]}'`, usage);
  }
  return { values: values as Parsed<O>['values'], positionals };
}
