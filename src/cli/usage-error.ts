/**
 * The CLI's two non-error exits from argument handling, in a file of their own so that
 * `cao --help` does not load the argument parser (commander) at all.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help');
    this.name = 'HelpRequested';
  }
}
