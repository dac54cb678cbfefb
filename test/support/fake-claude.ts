/**
 * A scripted stand-in for Claude Code inside the fake runtime: it draws screens in Claude
 * Code 2.1's layout (transcript, spinner, boxed prompt, footer) so the real `claude_code`
 * detector reads them, and reacts to pastes and keys like the real TUI.
 */
import type { FakePane, FakeProgram } from '../../src/runtime/fake-runtime.js';

const RULE = '─'.repeat(100);

export interface FakeClaudeOptions {
  /** The answer to a message; default `ACK: <message>`. */
  answer?: (message: string) => string;
  /** How long a turn takes, in ms (0 = answer synchronously on Enter). */
  turnMs?: number;
  /** Ignore this many Enter presses before taking one (a swallowed Enter). */
  swallowEnters?: number;
  /** Show the "trust this folder" dialog first. */
  trustDialog?: boolean;
  /** Show it only this many ms after the prompt, with "Yes" chosen (as Codex 0.169 does). */
  lateTrustDialogMs?: number;
  /** Exit with this status right after start. */
  crashOnStart?: number;
  /** Messages containing this ask for permission instead of answering at once. */
  permissionOn?: string;
  /** Never show the input prompt (hangs at a splash screen). */
  hang?: boolean;
}

interface State {
  transcript: string[];
  input: string;
  busy: boolean;
  dialog: 'trust' | 'permission' | undefined;
  trustYes: boolean;
  swallowed: number;
  pending: string | undefined;
  /** The turn under way: its message and the timer that will answer it. */
  turn: { message: string; timer: NodeJS.Timeout } | undefined;
}

export function fakeClaude(o: FakeClaudeOptions = {}): FakeProgram {
  const states = new WeakMap<FakePane, State>();
  const state = (p: FakePane): State => {
    let s = states.get(p);
    if (!s)
      states.set(
        p,
        (s = {
          transcript: [],
          input: '',
          busy: false,
          dialog: undefined,
          trustYes: false,
          swallowed: 0,
          pending: undefined,
          turn: undefined,
        }),
      );
    return s;
  };

  const draw = (p: FakePane): void => {
    const s = state(p);
    const head = [' ▐▛███▜▌   Claude Code v2.1.331 (fake)', '', ''];
    if (s.dialog === 'trust') {
      p.show(
        [
          RULE,
          ' Accessing workspace:',
          '',
          ' /work',
          '',
          s.trustYes ? '   No, exit' : ' ❯ No, exit',
          s.trustYes ? ' ❯ Yes, I trust this folder' : '   Yes, I trust this folder',
          '',
          ' Enter to confirm · Esc to cancel',
        ].join('\n'),
      );
      return;
    }
    if (s.dialog === 'permission') {
      p.show(
        [
          ...head,
          ...s.transcript,
          RULE,
          ' Bash command',
          '',
          ' echo hi > out.txt',
          '',
          ' Do you want to proceed?',
          ' ❯ 1. Yes',
          '   2. No',
          '',
          ' Esc to cancel · Tab to amend',
        ].join('\n'),
      );
      return;
    }
    const spinner = s.busy ? ['· Pondering…'] : [];
    const footer = s.busy
      ? '  ⏸ manual mode on · esc to interrupt'
      : '  ⏸ manual mode on · ? for shortcuts';
    p.show(
      [...head, ...s.transcript, ...spinner, RULE, `❯\u00a0${s.input}`, RULE, footer].join('\n'),
    );
  };

  const finish = (p: FakePane, message: string): void => {
    const s = state(p);
    s.busy = false;
    const answer = (o.answer ?? ((m: string) => `ACK: ${m}`))(message);
    s.transcript.push(
      ...answer.split('\n').map((l, i) => (i === 0 ? `● ${l}` : `  ${l}`)),
      '✻ Cooked for 1s',
    );
    if (!p.dead) draw(p);
  };

  const submit = (p: FakePane): void => {
    const s = state(p);
    const message = s.input;
    s.input = '';
    s.transcript.push(`❯ ${message.split('\n')[0] ?? ''}`);
    if (o.permissionOn && message.includes(o.permissionOn)) {
      s.dialog = 'permission';
      s.pending = message;
      draw(p);
      return;
    }
    s.busy = true;
    draw(p);
    if (!o.turnMs) finish(p, message);
    else {
      const timer = setTimeout(() => {
        s.turn = undefined;
        finish(p, message);
      }, o.turnMs);
      s.turn = { message, timer };
    }
  };

  return {
    start(p) {
      const s = state(p);
      if (o.crashOnStart !== undefined) {
        p.show('Error: something went wrong during start-up');
        queueMicrotask(() => p.die(o.crashOnStart));
        return;
      }
      if (o.hang) {
        p.show('Loading…');
        return;
      }
      if (o.trustDialog) s.dialog = 'trust';
      draw(p);
      if (o.lateTrustDialogMs !== undefined) {
        setTimeout(() => {
          if (p.dead) return;
          s.dialog = 'trust';
          s.trustYes = true;
          draw(p);
        }, o.lateTrustDialogMs);
      }
    },
    paste(p, text) {
      const s = state(p);
      if (s.dialog) return;
      s.input += text;
      draw(p);
    },
    keys(p, keys) {
      const s = state(p);
      for (const k of keys) {
        if (s.dialog === 'trust') {
          if (k === 'Down') {
            s.trustYes = true;
            draw(p);
          }
          if (k === 'Enter') {
            if (!s.trustYes) {
              p.die(1);
              return;
            }
            s.dialog = undefined;
            draw(p);
          }
          continue;
        }
        if (s.dialog === 'permission') {
          if (k === 'Enter' || k === '1') {
            s.dialog = undefined;
            s.busy = true;
            draw(p);
            finish(p, s.pending ?? '');
          } else if (k === 'Escape' || k === '2') {
            s.dialog = undefined;
            s.transcript.push('  ⎿  Interrupted · What should Claude do instead?');
            draw(p);
          }
          continue;
        }
        if (k === 'Escape' && s.turn) {
          // as Claude Code 2.1 does before any answer: the turn leaves the transcript and the
          // message goes back into the input box
          clearTimeout(s.turn.timer);
          s.transcript.pop();
          s.input = s.turn.message;
          s.turn = undefined;
          s.busy = false;
          draw(p);
          continue;
        }
        if (k === 'Enter' && s.input !== '') {
          if (s.swallowed < (o.swallowEnters ?? 0)) {
            s.swallowed++;
            continue;
          }
          submit(p);
        }
      }
    },
  };
}
