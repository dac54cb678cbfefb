/**
 * Exit codes besides 0 (done), 1 (an error cao explains) and 2 (usage errors and bugs), as
 * shells and `timeout(1)` use them: a wait that ran out of time, and Ctrl-C.
 */
export const EXIT_TIMEOUT = 124;
export const EXIT_INTERRUPTED = 130;

/** Ctrl-C while waiting for an agent: the wait stops, the agent does not. */
export class WaitInterrupted extends Error {
  constructor(readonly advice: string) {
    super('interrupted');
    this.name = 'WaitInterrupted';
  }
}
