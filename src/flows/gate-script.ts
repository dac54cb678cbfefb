/**
 * Gate scripts: a flow may name an executable that decides, each time the flow is due, whether
 * the run happens and with which template values. The contract (reference §8):
 *
 * - it is run as an executable, with no arguments and no shell, from its own folder;
 * - it must finish within the time limit (30 s by default), or it is killed with everything it
 *   started (its process group);
 * - it must exit 0 and print one JSON object `{"execute": true|false, "output": {...}}` on
 *   stdout; both keys are required and `output` must be an object.
 *
 * Every way of breaking the contract is an error that quotes what the script did.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CaoError, errorMessage } from '../lib/errors.js';

export const GATE_TIMEOUT_MS = 30_000;
/** Enough for any sensible `output`; more is a script printing something else. */
const MAX_STDOUT_BYTES = 1024 * 1024;
/** How much of stderr an error quotes. */
const STDERR_TAIL_CHARS = 800;

export interface GateResult {
  execute: boolean;
  output: Record<string, unknown>;
}

export interface GateOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const CONTRACT = 'It must print one JSON object: {"execute": true or false, "output": {...}}.';

/** The script exists, is a file and may be executed; INVALID_INPUT saying how to fix it. */
export function checkGateScript(script: string): void {
  let isFile = false;
  try {
    isFile = statSync(script).isFile();
  } catch {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script '${script}' does not exist. A relative script path is taken from the flow file's folder.`,
    );
  }
  if (!isFile) throw new CaoError('INVALID_INPUT', `Gate script '${script}' is not a file.`);
  // like ssh's StrictModes: a script someone else could write would run their code as us
  const st = statSync(script);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script '${script}' belongs to another user (uid ${st.uid}); cao runs only gate scripts owned by you or root.`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script '${script}' can be changed by other users (mode ${(st.mode & 0o777).toString(8)}): run 'chmod go-w ${script}'.`,
    );
  }
  try {
    accessSync(script, constants.X_OK);
  } catch {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script '${script}' is not executable: run 'chmod +x ${script}' (and start it with a #! line such as #!/bin/sh).`,
    );
  }
}

/** Checks the script's stdout against the contract. Pure. */
export function parseGateOutput(stdout: string, script: string): GateResult {
  const text = stdout.trim();
  if (text === '')
    throw new CaoError('INVALID_INPUT', `Gate script ${script} printed nothing. ${CONTRACT}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script ${script} printed something that is not JSON: ${quote(text)}. ${CONTRACT}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script ${script} printed ${quote(text)}, which is not a JSON object. ${CONTRACT}`,
    );
  }
  const o = data as Record<string, unknown>;
  if (typeof o['execute'] !== 'boolean') {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script ${script} printed ${quote(text)}: "execute" must be true or false${'execute' in o ? '' : ' and is missing'}. ${CONTRACT}`,
    );
  }
  const output = o['output'];
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Gate script ${script} printed ${quote(text)}: "output" must be an object of template values${'output' in o ? '' : ' and is missing'} (use {} when there are none). ${CONTRACT}`,
    );
  }
  return { execute: o['execute'], output: output as Record<string, unknown> };
}

/** Runs the gate script and returns its decision; CaoError when it breaks the contract. */
export function runGateScript(script: string, o: GateOptions = {}): Promise<GateResult> {
  const timeoutMs = o.timeoutMs ?? GATE_TIMEOUT_MS;
  return new Promise<GateResult>((resolvePromise, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(script, [], {
      cwd: dirname(script),
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group, so a timeout kills whatever it started too
      detached: true,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (stdoutBytes <= MAX_STDOUT_BYTES) stdout.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4 * STDERR_TAIL_CHARS);
    });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
      finish(() =>
        reject(
          new CaoError(
            'TIMEOUT',
            `Gate script ${script} did not finish within ${formatSeconds(timeoutMs)} and was killed${tail(stderr)}. ` +
              'A gate script should only decide whether the flow runs and print its JSON; make it finish sooner.',
          ),
        ),
      );
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish(() =>
        reject(
          new CaoError(
            'INVALID_INPUT',
            e.code === 'ENOENT'
              ? `Gate script ${script} does not exist.`
              : e.code === 'EACCES' || e.code === 'ENOEXEC'
                ? `Gate script ${script} cannot be executed (${e.code}): make it executable with 'chmod +x' and start it with a #! line such as #!/bin/sh.`
                : `Gate script ${script} could not be started: ${errorMessage(e)}`,
          ),
        ),
      );
    });
    child.once('close', (code, signal) => {
      finish(() => {
        if (code !== 0) {
          reject(
            new CaoError(
              'INVALID_INPUT',
              signal
                ? `Gate script ${script} was killed by ${signal}${tail(stderr)}.`
                : `Gate script ${script} failed with exit status ${code}${tail(stderr)}. A gate script must exit 0; to skip a run, print {"execute": false, "output": {}}.`,
            ),
          );
          return;
        }
        if (stdoutBytes > MAX_STDOUT_BYTES) {
          reject(
            new CaoError(
              'INVALID_INPUT',
              `Gate script ${script} printed more than ${MAX_STDOUT_BYTES} bytes. ${CONTRACT}`,
            ),
          );
          return;
        }
        try {
          resolvePromise(parseGateOutput(Buffer.concat(stdout).toString('utf8'), script));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  });
}

function quote(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > 200 ? `${one.slice(0, 200)}…` : one);
}

/** `; stderr: …` with the last lines the script wrote, or nothing. */
function tail(stderr: string): string {
  const t = stderr.trim();
  if (t === '') return '';
  const last = t.length > STDERR_TAIL_CHARS ? `…${t.slice(-STDERR_TAIL_CHARS)}` : t;
  return `; stderr: ${last.replace(/\s*\n\s*/g, ' | ')}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
