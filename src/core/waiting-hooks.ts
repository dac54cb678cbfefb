/**
 * The "needs you" hook: when a terminal starts waiting for an answer, cao-server runs the
 * user's command, once per wait (status events are published only on a change): the
 * profile's `on_waiting:` argv, else `hooks.on_waiting` of settings.json. No shell: the argv
 * runs as given, and the question travels in the environment (CAO_TERMINAL_ID, CAO_SESSION,
 * CAO_QUESTION, CAO_OPTIONS: one option a line), never in the command line.
 */
import { execFile } from 'node:child_process';
import { errorMessage } from '../lib/errors.js';
import { readSettings } from '../lib/settings.js';
import { loadProfile } from '../profiles/discovery.js';
import type { CoreDeps } from './deps.js';
import type { EventBus, StampedEvent } from './events.js';

/** Runs a hook's argv with extra environment; resolves when it ended (never rejects). */
export type HookRunner = (argv: readonly string[], env: Record<string, string>) => Promise<void>;

const HOOK_TIMEOUT_MS = 30_000;

export function hookRunner(log: CoreDeps['log']): HookRunner {
  return (argv, env) =>
    new Promise((resolve) => {
      const [program, ...args] = argv;
      if (!program) return resolve();
      execFile(
        program,
        args,
        { env: { ...process.env, ...env }, timeout: HOOK_TIMEOUT_MS, windowsHide: true },
        (err, _stdout, stderr) => {
          if (err) {
            log.warn('on_waiting hook failed', {
              program,
              terminal_id: env['CAO_TERMINAL_ID'],
              error: errorMessage(err),
              stderr: stderr.slice(0, 500),
            });
          }
          resolve();
        },
      );
    });
}

type WaitingEvent = Extract<StampedEvent, { type: 'terminal.status' }>;

/** The argv for a terminal: its profile's `on_waiting`, else the global setting, else none. */
async function hookFor(
  deps: Pick<CoreDeps, 'store' | 'paths' | 'home' | 'log'>,
  terminalId: string,
): Promise<readonly string[] | undefined> {
  const t = await deps.store.getTerminal(terminalId);
  if (t?.agentProfile) {
    try {
      const profile = loadProfile(t.agentProfile, { paths: deps.paths, home: deps.home });
      if (profile.on_waiting) return profile.on_waiting;
    } catch {
      // a profile that no longer loads: fall back to the global hook
    }
  }
  const global = readSettings(deps.paths.settings).hooks.on_waiting;
  return global.length > 0 ? global : undefined;
}

/** Subscribes to `bus`; returns the unsubscribe function. */
export function startWaitingHooks(
  deps: Pick<CoreDeps, 'store' | 'paths' | 'home' | 'log'>,
  bus: EventBus,
  run: HookRunner = hookRunner(deps.log),
): () => void {
  const onWaiting = async (e: WaitingEvent): Promise<void> => {
    const argv = await hookFor(deps, e.terminal_id);
    if (!argv) return;
    await run(argv, {
      CAO_TERMINAL_ID: e.terminal_id,
      CAO_SESSION: e.session,
      CAO_QUESTION: e.question?.text ?? e.evidence[0] ?? '',
      CAO_OPTIONS: (e.question?.options ?? []).join('\n'),
    });
  };
  return bus.subscribe((e) => {
    if (e.type !== 'terminal.status' || e.status !== 'waiting_user_answer') return;
    onWaiting(e).catch((err: unknown) =>
      deps.log.warn('on_waiting hook not run', {
        terminal_id: e.terminal_id,
        error: errorMessage(err),
      }),
    );
  });
}
