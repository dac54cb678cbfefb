/**
 * Putting a message into an agent's input and making sure it was taken. The original CAO's
 * issue tracker is full of messages left sitting in an input box (#78, #479, #654); every send
 * here is confirmed from the screen:
 *
 * 1. leave copy mode (a pane in copy mode swallows input);
 * 2. paste the text as one bracketed paste, wait until it shows in the input box (not fatal:
 *    some CLIs collapse long pastes or have no visible box);
 * 3. press Enter, then require the text to leave the input box; press Enter again if it is
 *    still there, up to `submitAttempts` times; fail loudly otherwise.
 *
 * A paste that never showed on the screen is not proven taken by an empty box after Enter: the keys may have gone to a dialog that came up meanwhile (Codex asks to trust the
 * folder just after drawing its prompt) and the Enter answered it. Then the message counts as
 * taken only with positive evidence, the agent working or the text in its transcript;
 * otherwise the send fails (the ledger retries it) instead of reporting a success that lost
 * the message.
 */
import { CaoError } from '../lib/errors.js';
import { sleep } from '../lib/time.js';
import type { Provider } from '../providers/provider.js';
import { showsText } from '../providers/screen.js';
import { sanitizePaste, type TerminalRuntime } from '../runtime/runtime.js';
import type { CoreTiming } from './deps.js';

const POLL_MS = 40;

/**
 * The largest message cao types into an agent, in UTF-8 bytes. CLIs take long pastes (some
 * fold them into "[Pasted text +N lines]"), but a paste this size already takes seconds to
 * render; longer material belongs in a file the agent reads.
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** What the ledger adds around a message (its footer, a provider's handoff prefix). */
export const ENVELOPE_BYTES = 4 * 1024;

/**
 * A message as it will be typed: control characters removed (`sanitizePaste`). Throws
 * INVALID_INPUT when nothing but whitespace is left, TOO_LARGE over MAX_MESSAGE_BYTES, so a
 * message that cannot be typed is refused before anything reaches the agent's input box.
 */
export function acceptMessage(text: string, maxBytes = MAX_MESSAGE_BYTES): string {
  const clean = sanitizePaste(text);
  if (clean.trim() === '') {
    throw new CaoError(
      'INVALID_INPUT',
      text === ''
        ? 'The message is empty.'
        : 'The message is empty once control characters are removed; send some text.',
    );
  }
  const bytes = Buffer.byteLength(clean);
  if (bytes > maxBytes) {
    throw new CaoError(
      'TOO_LARGE',
      `The message is ${bytes} bytes; the most cao types into an agent is ${MAX_MESSAGE_BYTES} bytes. Put the material in a file and send its path instead.`,
    );
  }
  return clean;
}

export interface SubmitResult {
  /** How many times Enter was pressed. */
  enters: number;
  /** The paste was seen in the input box before the first Enter. */
  echoed: boolean;
}

export async function submitInput(
  runtime: TerminalRuntime,
  paneId: string,
  provider: Provider,
  text: string,
  timing: CoreTiming,
): Promise<SubmitResult> {
  await runtime.cancelMode(paneId);
  const before = await runtime.capture(paneId);
  const beforeBox = provider.inputText(before) ?? '';
  await runtime.paste(paneId, text);

  // Phase 1: the paste shows up (the box changed and is not empty).
  const echoed = await until(timing.echoTimeoutMs, async () => {
    const screen = await runtime.capture(paneId);
    const box = provider.inputText(screen);
    if (box === undefined) return screen !== before;
    return box !== '' && box !== beforeBox;
  });

  // Phase 2: Enter, until the box no longer holds what we pasted.
  for (let enters = 1; enters <= timing.submitAttempts; enters++) {
    const pressedOn = await runtime.capture(paneId);
    await runtime.sendKeys(paneId, ['Enter']);
    const taken = await until(timing.submitTimeoutMs, async () => {
      const screen = await runtime.capture(paneId);
      if (screen === pressedOn) return false;
      const box = provider.inputText(screen);
      if (box === undefined) {
        // no box: the CLI went busy or opened a dialog, unless the frame is half drawn (Gemini
        // CLI redraws the whole screen): then the text may still wait in the box
        const status = provider.detect(screen).status;
        if (status === 'unknown') return false;
        return echoed || status === 'processing' || showsText(screen, text);
      }
      // an emptied box: the Enter was taken
      const left = box === '' || box === beforeBox;
      if (!left || echoed) return left;
      return provider.detect(screen).status === 'processing' || showsText(screen, text);
    });
    if (taken) return { enters, echoed };
    if (!echoed) {
      throw new CaoError(
        'AGENT_FAILED',
        `The message never showed on ${provider.label}'s screen and ${provider.label} did not take it (a dialog may have been in the way); it was not delivered. Check the terminal's screen and send it again.`,
      );
    }
  }
  throw new CaoError(
    'AGENT_FAILED',
    `The message was pasted but ${provider.label} did not take it after ${timing.submitAttempts} Enter presses; it is still in the input box.`,
  );
}

async function until(timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await sleep(POLL_MS);
  }
}
