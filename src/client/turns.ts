/** Waiting for a turn's end (core/turns.ts) from a client. */
import type { TurnOutcome } from '../core/turns.js';
import { CaoError } from '../lib/errors.js';
import { sleep } from '../lib/time.js';
import { ok, within, type CaoClient } from './api.js';

/**
 * Waits for turn `turnId` of `terminalId` to end, at most until `deadline`. A cao-server that
 * restarts meanwhile loses nothing (the agent and its turn live in tmux and the ledger): the
 * wait is asked again once the server is back. `stop` ends the wait (not the turn) early.
 */
export async function awaitTurn(
  client: CaoClient,
  terminalId: string,
  turnId: number,
  deadline: number,
  stop?: AbortSignal,
): Promise<TurnOutcome> {
  for (;;) {
    const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const limit = within(remaining * 1000 + 30_000).init.signal;
    try {
      return await ok(
        client.api.terminals[':id'].await.$post(
          { param: { id: terminalId }, json: { turn_id: turnId, timeout: remaining } },
          { init: { signal: stop && limit ? AbortSignal.any([limit, stop]) : limit } },
        ),
      );
    } catch (e) {
      if (stop?.aborted) throw e;
      if (e instanceof CaoError && e.code === 'UNAVAILABLE' && Date.now() < deadline) {
        await sleep(1000);
        continue;
      }
      throw e;
    }
  }
}
