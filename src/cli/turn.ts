/**
 * Send a message to a terminal and wait for the agent's answer, the way `cao session send`
 * and `cao launch "task"` do: subscribe to the event stream first (no missed change), submit,
 * then wait for the turn to end. A status poll every few seconds covers a dropped stream.
 */
import type { ApiClient } from '../client/api.js';
import { openEventStream } from '../client/sse.js';
import type { Status } from '../providers/provider.js';
import { showsText } from '../providers/screen.js';
import { startProgress } from './progress.js';

export interface TurnResult {
  status: Status;
  output: string;
  found: boolean;
  rule: string;
  evidence: string[];
  timedOut: boolean;
  /** The turn was cut short before an answer: the CLI says it was interrupted, or it put the
   *  message back in its input box. The output on the screen is then an older turn's. */
  interrupted: boolean;
}

const POLL_MS = 2000;

interface Detect {
  status: Status;
  rule: string;
  evidence: string[];
}

/** Statuses that end a turn; `idle` only once work was seen (a CLI that shows no answer). */
const ends = (s: Status, sawWork: boolean): boolean =>
  s === 'completed' || s === 'error' || s === 'waiting_user_answer' || (s === 'idle' && sawWork);

export async function sendAndWait(
  client: ApiClient,
  terminalId: string,
  message: string,
  timeoutMs: number,
  label = `Waiting for ${terminalId}`,
): Promise<TurnResult> {
  let latest: Status | undefined;
  let wake: (() => void) | undefined;
  const stream = openEventStream(
    client,
    { terminal_id: terminalId, types: 'terminal.status' },
    (e) => {
      try {
        const ev = JSON.parse(e.data) as { status?: Status };
        if (ev.status) {
          latest = ev.status;
          wake?.();
        }
      } catch {
        // not a status event
      }
    },
  );
  // at most 3 s for the stream; the timer must not outlive the race (it kept the CLI
  // process alive for 3 s after the answer was printed)
  let readyTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    stream.ready.catch(() => {}),
    new Promise((r) => (readyTimer = setTimeout(r, 3000))),
  ]);
  clearTimeout(readyTimer);
  const progress = startProgress(label);
  try {
    const sent = await client.post<{ status: Status }>(
      `/terminals/${terminalId}/input`,
      undefined,
      { message },
    );
    let status: Status = latest ?? sent.status;
    latest = undefined;
    let sawWork = status === 'processing';
    const deadline = Date.now() + timeoutMs;
    let nextPoll = Date.now() + POLL_MS;
    while (!ends(status, sawWork)) {
      progress.update(`${label}: ${status}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const d = await client.get<Detect>(`/terminals/${terminalId}/detect`);
        return {
          status: d.status,
          output: '',
          found: false,
          rule: d.rule,
          evidence: d.evidence,
          timedOut: true,
          interrupted: false,
        };
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(remaining, Math.max(0, nextPoll - Date.now())));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
      if (latest !== undefined) {
        status = latest;
        latest = undefined;
      } else if (Date.now() >= nextPoll) {
        status = (await client.get<{ status: Status }>(`/terminals/${terminalId}`)).status;
        nextPoll = Date.now() + POLL_MS;
      }
      if (status === 'processing') sawWork = true;
    }
    const [out, d] = await Promise.all([
      client.get<{ output: string; found?: boolean }>(`/terminals/${terminalId}/output`, {
        mode: 'last',
      }),
      client.get<Detect>(`/terminals/${terminalId}/detect`),
    ]);
    return {
      status,
      output: out.output,
      found: out.found ?? out.output !== '',
      rule: d.rule,
      evidence: d.evidence,
      timedOut: false,
      interrupted:
        d.status === 'idle' &&
        (d.rule === 'interrupted' ||
          (d.rule === 'input-pending' && showsText(d.evidence.join(' '), message))),
    };
  } finally {
    progress.stop();
    stream.close();
  }
}
