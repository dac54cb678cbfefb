/**
 * The gate-script contract against real small scripts in a temp dir.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGateScript, parseGateOutput, runGateScript } from './gate-script.js';

const dir = mkdtempSync(join(tmpdir(), 'cao-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function script(body: string, mode = 0o755): string {
  const file = join(dir, `gate-${++n}.sh`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe('runGateScript', () => {
  it('execute: true with output', async () => {
    const s = script(`echo '{"execute": true, "output": {"city": "Paris", "n": 2}}'`);
    await expect(runGateScript(s)).resolves.toEqual({
      execute: true,
      output: { city: 'Paris', n: 2 },
    });
  });

  it('execute: false (skip)', async () => {
    const s = script(`echo '{"execute": false, "output": {}}'`);
    await expect(runGateScript(s)).resolves.toEqual({ execute: false, output: {} });
  });

  it('runs from its own folder, with the given environment, without a shell', async () => {
    const s = script(
      `printf '{"execute": true, "output": {"cwd": "%s", "flow": "%s", "args": "%s"}}' "$(pwd)" "$CAO_FLOW_NAME" "$#"`,
    );
    const r = await runGateScript(s, { env: { PATH: '/usr/bin:/bin', CAO_FLOW_NAME: 'f1' } });
    expect(r.output).toEqual({ cwd: dir, flow: 'f1', args: '0' });
  });

  it('a non-zero exit: the status and the tail of stderr', async () => {
    const s = script(`echo "line 1" >&2\necho "quota exceeded" >&2\nexit 3`);
    await expect(runGateScript(s)).rejects.toThrow(
      `Gate script ${s} failed with exit status 3; stderr: line 1 | quota exceeded. A gate script must exit 0; to skip a run, print {"execute": false, "output": {}}.`,
    );
  });

  it('a hang: killed at the time limit, with what it started', async () => {
    const marker = join(dir, 'hang-child-alive');
    const s = script(`(sleep 1; touch '${marker}') &\necho "waiting" >&2\nsleep 30`);
    const started = Date.now();
    await expect(runGateScript(s, { timeoutMs: 300 })).rejects.toThrow(
      `Gate script ${s} did not finish within 0.3s and was killed; stderr: waiting. A gate script should only decide`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // its background child was in its process group and died with it
    await new Promise((r) => setTimeout(r, 1300));
    expect(existsSync(marker)).toBe(false);
  });

  it('output that is not JSON', async () => {
    const s = script(`echo 'yes please'`);
    await expect(runGateScript(s)).rejects.toThrow(
      `Gate script ${s} printed something that is not JSON: "yes please". It must print one JSON object: {"execute": true or false, "output": {...}}.`,
    );
  });

  it('JSON of the wrong shape', async () => {
    await expect(runGateScript(script(`echo '{"output": {}}'`))).rejects.toThrow(
      /"execute" must be true or false and is missing/,
    );
    await expect(runGateScript(script(`echo '{"execute": "yes", "output": {}}'`))).rejects.toThrow(
      /"execute" must be true or false\. /,
    );
    await expect(runGateScript(script(`echo '{"execute": true}'`))).rejects.toThrow(
      /"output" must be an object of template values and is missing \(use \{\} when there are none\)/,
    );
    await expect(runGateScript(script(`echo '{"execute": true, "output": [1]}'`))).rejects.toThrow(
      /"output" must be an object of template values \(use/,
    );
    await expect(runGateScript(script(`echo '[true]'`))).rejects.toThrow(/is not a JSON object/);
    await expect(runGateScript(script(`true`))).rejects.toThrow(/printed nothing/);
  });

  it('a script that cannot be executed', async () => {
    const s = script(`echo '{}'`, 0o644);
    await expect(runGateScript(s)).rejects.toThrow(/cannot be executed \(EACCES\): .*chmod \+x/);
    await expect(runGateScript(join(dir, 'nope.sh'))).rejects.toThrow(/does not exist/);
  });
});

describe('checkGateScript', () => {
  it('says how to fix a missing or non-executable script', () => {
    expect(() => checkGateScript(script('true'))).not.toThrow();
    expect(() => checkGateScript(join(dir, 'missing.sh'))).toThrow(
      /does not exist. A relative script path is taken from the flow file's folder/,
    );
    const s = script('true', 0o644);
    expect(() => checkGateScript(s)).toThrow(/chmod \+x/);
    expect(() => checkGateScript(dir)).toThrow(/is not a file/);
  });
});

describe('parseGateOutput', () => {
  it('accepts surrounding whitespace and extra keys', () => {
    expect(parseGateOutput('\n {"execute": true, "output": {}, "why": "x"}\n', 'g')).toEqual({
      execute: true,
      output: {},
    });
  });

  it('quotes at most 200 characters of what was printed', () => {
    expect(() => parseGateOutput('x'.repeat(500), 'g')).toThrow(/"x{200}…"/);
  });
});
