/**
 * The CLI's habits (issue 17 §4, §5), each command run through `main` against the in-process
 * stack: "did you mean", readable option errors with exit 2, errors as JSON with --json,
 * `info --json`, `profile list`, `providers`, completion scripts, `send --queue` and the exit
 * code of a wait that runs out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCao as cao } from '../../test/support/cli.js';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const launch = (stack: TestStack, name: string) =>
  cao(stack, [
    'launch',
    '--agents',
    'developer',
    '--headless',
    '--auto-approve',
    '--provider',
    'claude_code',
    '--session-name',
    name,
    '--working-directory',
    stack.work,
  ]);

describe('cao CLI habits', () => {
  it('suggests the command meant by a typo, and exits 2', async () => {
    s = createTestStack();
    const r = await cao(s, ['lanch', '--agents', 'x']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe(
      "Error: unknown command 'lanch' (did you mean launch?). Run 'cao --help' for the commands",
    );
    const sub = await cao(s, ['session', 'stauts', 'x']);
    expect(sub.code).toBe(2);
    expect(sub.err[0]).toBe("Error: unknown session command 'stauts' (did you mean status?)");
  });

  it('names an unknown option with the closest known one, a missing value, and extra arguments', async () => {
    s = createTestStack();
    const typo = await cao(s, ['session', 'list', '--jsno']);
    expect(typo.code).toBe(2);
    expect(typo.err[0]).toBe("Error: unknown option '--jsno' (did you mean --json?)");
    expect(typo.err).toContain('  cao session list [--resumable] [--json]');
    const missing = await cao(s, ['shutdown', '--session']);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toBe("Error: option '--session <value>' argument missing");
    const extra = await cao(s, ['session', 'list', 'extra']);
    expect(extra).toMatchObject({
      code: 2,
      err: expect.arrayContaining(["Error: unexpected argument 'extra'"]) as unknown,
    });
  });

  it('--json turns errors into JSON on stdout, with the exit code kept', async () => {
    s = createTestStack();
    const usage = await cao(s, ['session', 'list', '--jsno', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out.join('\n'))).toEqual({
      error: { code: 'USAGE', message: "unknown option '--jsno' (did you mean --json?)" },
    });
    expect(usage.err).toEqual([]);
    const notFound = await cao(s, ['session', 'status', 'nope', '--json']);
    expect(notFound.code).toBe(1);
    expect(JSON.parse(notFound.out.join('\n'))).toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('cao-nope') as unknown },
    });
  });

  it('help: cao --help, cao help COMMAND and COMMAND --help print usage and exit 0', async () => {
    s = createTestStack();
    const top = await cao(s, ['--help']);
    expect(top.code).toBe(0);
    expect(top.out.join('\n')).toMatch(/completion +bash \| zsh \| fish/);
    const launchHelp = await cao(s, ['help', 'launch']);
    expect(launchHelp.code).toBe(0);
    expect(launchHelp.out.join('\n')).toContain('cao-server: http://127.0.0.1:9889');
    const sessionHelp = await cao(s, ['session', '--help']);
    expect(sessionHelp).toMatchObject({ code: 0 });
    expect(sessionHelp.out.join('\n')).toContain('cao session send SESSION MESSAGE');
  });

  it('info --json is one object', async () => {
    s = createTestStack();
    const r = await cao(s, ['info', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.join('\n'))).toMatchObject({
      server: { url: 'http://127.0.0.1:9889', running: true },
      home: expect.any(String) as unknown,
      database: expect.any(String) as unknown,
    });
  });

  it('profile list shows the built-in profiles; providers lists installed CLIs first', async () => {
    s = createTestStack({ installed: (b) => b === 'codex' });
    const profiles = await cao(s, ['profile', 'list']);
    expect(profiles.code).toBe(0);
    expect(profiles.out[0]).toMatch(/^NAME +PROVIDER +SOURCE +DESCRIPTION$/);
    expect(profiles.out.some((l) => l.startsWith('developer '))).toBe(true);
    const asJson = await cao(s, ['profile', 'list', '--json']);
    expect(JSON.parse(asJson.out.join('\n'))).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'developer' })]),
    );
    const providers = await cao(s, ['providers', '--json']);
    const list = JSON.parse(providers.out.join('\n')) as { name: string; installed: boolean }[];
    expect(list[0]).toMatchObject({ name: 'codex', installed: true });
    expect(list.slice(1).every((p) => !p.installed)).toBe(true);
    const table = await cao(s, ['providers']);
    expect(table.out[1]).toMatch(/^codex /);
    expect(table.out[2]).toMatch(/not installed \('/);
    // no name is cut to fit a column
    expect(table.out.join('\n')).toContain('GitHub Copilot CLI ');
    expect(table.out.join('\n')).toMatch(/Amazon Q Developer CLI +not installed/);
  });

  it('completion scripts name the commands, sub-commands and flags', async () => {
    s = createTestStack();
    const bash = await cao(s, ['completion', 'bash']);
    expect(bash.code).toBe(0);
    const script = bash.out.join('\n');
    expect(script).toContain('complete -o default -F _cao cao');
    expect(script).toMatch(/session\) if .* words="list status send/);
    expect(script).toMatch(/launch\) words=".*--agents.*--working-directory/);
    const fish = await cao(s, ['completion', 'fish']);
    expect(fish.out.join('\n')).toContain(
      "complete -c cao -n '__fish_seen_subcommand_from host' -a 'add list check remove'",
    );
    const zsh = await cao(s, ['completion', 'zsh']);
    expect(zsh.out.join('\n')).toContain('autoload -U +X bashcompinit && bashcompinit');
    const bad = await cao(s, ['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toBe("Error: no completion for 'tcsh'; cao has bash, zsh and fish");
  });

  it('send --queue to a busy agent is delivered after its turn; a plain send is refused saying so', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}`, turnMs: 300 }) });
    expect((await launch(s, 'q1')).code).toBe(0);
    const first = await cao(s, ['session', 'send', 'q1', 'long job', '--async']);
    expect(first.code).toBe(0);
    const refused = await cao(s, ['session', 'send', 'q1', 'second']);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(/busy.*--queue/);
    const queued = await cao(s, ['session', 'send', 'q1', 'second', '--queue']);
    expect(queued).toMatchObject({ code: 0, out: ['re: second'] });
  });

  it('a send whose --timeout runs out exits 124, distinct from errors, and says the agent goes on', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: () => 'late', turnMs: 2500 }) });
    expect((await launch(s, 't1')).code).toBe(0);
    const r = await cao(s, ['session', 'send', 't1', 'slow', '--timeout', '1']);
    expect(r.code).toBe(124);
    expect(r.err[0]).toMatch(
      /^Error: Timed out after 1s; .* keeps working\. Check later with: cao session status cao-t1 --terminal /,
    );
    const asJson = await cao(s, [
      'session',
      'send',
      't1',
      'slow again',
      '--queue',
      '--timeout',
      '1',
      '--json',
    ]);
    expect(asJson.code).toBe(124);
    expect(JSON.parse(asJson.out.join('\n'))).toMatchObject({ outcome: 'timeout' });
  });
});

describe('needs you: the question, its options and the answer command', () => {
  it('send shows the question and the exact answer command; watch --until waiting stops there', async () => {
    s = createTestStack({ program: () => fakeClaude({ permissionOn: 'DANGER' }) });
    const stack = s;
    expect((await launch(stack, 'w1')).code).toBe(0);
    const watching = cao(stack, ['session', 'watch', 'w1', '--until', 'waiting']);
    // the watch prints the current status first; then the send makes the agent ask
    const asked = await cao(stack, ['session', 'send', 'w1', 'DANGER please']);
    expect(asked.code).toBe(1);
    const text = asked.err.join('\n');
    expect(text).toMatch(/^Error: The agent stopped to ask a question\./);
    expect(text).toMatch(/Question from [0-9a-f]{8}: /);
    expect(text).toMatch(/ {2}1\. /);
    expect(text).toMatch(/Answer with: cao agent answer [0-9a-f]{8} N \(the option's number/);
    const watched = await watching;
    expect(watched.code).toBe(0);
    const lines = watched.out.join('\n');
    expect(lines).toMatch(/^now {7}cao-w1 {2}[0-9a-f]{8} {2}idle/m);
    expect(lines).toMatch(/cao-w1 {2}[0-9a-f]{8} {2}processing → waiting_user_answer/);
    expect(lines).toMatch(/Answer with: cao agent answer [0-9a-f]{8} N/);
    const status = await cao(stack, ['session', 'status', 'w1']);
    expect(status.out.join('\n')).toMatch(/Status: waiting_user_answer\n\nQuestion from/);
    // the printed command works as printed, from a shell that is no cao terminal
    const command = /Answer with: (cao agent answer [0-9a-f]{8}) N/.exec(text)?.[1] ?? '';
    expect(process.env['CAO_TERMINAL_ID']).toBeUndefined();
    const answered = await cao(stack, [...command.split(' ').slice(1), '1']);
    expect(answered.err).toEqual([]);
    expect(answered.code).toBe(0);
    await expect
      .poll(async () => (await cao(stack, ['session', 'status', 'w1'])).out.join('\n'))
      .not.toContain('waiting_user_answer');
  });

  it('watch --until completed, as JSON lines, ends at the end of a turn; a bad --until is a usage error', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}`, turnMs: 200 }) });
    const stack = s;
    expect((await launch(stack, 'w2')).code).toBe(0);
    const watching = cao(stack, ['session', 'watch', 'w2', '--until', 'completed', '--json']);
    expect((await cao(stack, ['session', 'send', 'w2', 'hello'])).code).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(0);
    const events = watched.out.map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(events[0]).toMatchObject({ type: 'terminal.current', status: 'idle' });
    expect(events.at(-1)).toMatchObject({ type: 'terminal.status', status: 'completed' });
    const bad = await cao(stack, ['session', 'watch', '--until', 'done']);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toBe("Error: --until takes completed or waiting, not 'done'");
  });
});
