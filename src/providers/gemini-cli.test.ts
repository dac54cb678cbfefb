import { describe, expect, it } from 'vitest';
import { caoMcpServers, launchContext, testdataOf } from '../../test/support/providers.js';
import { captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { geminiCli } from './gemini-cli.js';
import { CUT_NOTE } from './screen.js';
import type { LaunchContext } from './provider.js';

const capture = captureOf('gemini');
const testdata = testdataOf('gemini_cli');
const own = (status: string, name: string): string =>
  testdata(`${status}/gemini-0.61.0-${name}.txt`);

const RULE = '─'.repeat(120);
const HINT = `${' '.repeat(100)}? for shortcuts`;
/** A Gemini screen: transcript lines, then the chrome above and below the input box. */
const screen = (transcript: string[], o: { busy?: string; input?: string } = {}): string =>
  [
    ' ▝▜▄     Gemini CLI v0.61.0',
    '',
    ...transcript,
    '',
    o.busy ? ` ⠧ ${o.busy}${HINT}` : HINT,
    RULE,
    ' Shift+Tab to accept edits',
    '▄'.repeat(120),
    ` > ${o.input ?? '  Type your message or @path/to/file'}`,
    '▀'.repeat(120),
    ' workspace (/directory)      branch      sandbox      /model',
    ' /work                       main        no sandbox   Auto',
  ].join('\n');

describe.skipIf(!hasShared())(sharedTitle('gemini_cli over real captures'), () => {
  it('extracts the last answer of a completed turn', () => {
    expect(geminiCli.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(geminiCli.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(geminiCli.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(geminiCli.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
  });

  it('has no last answer while the next turn runs or after it was cancelled', () => {
    expect(geminiCli.lastMessage(capture('processing.txt'))).toBeUndefined();
    expect(geminiCli.lastMessage(capture('interrupted.txt'))).toBeUndefined();
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(geminiCli.lastMessage(capture('error.txt'))).toBe(
      '[API Error: {"error":{"code":400,"message":"FAKE-ERROR-400 scripted failure","status":"INVALID_ARGUMENT"}}]',
    );
  });

  it('reads the input box, whose placeholder means empty', () => {
    expect(geminiCli.inputText(capture('idle.txt'))).toBe('');
    expect(geminiCli.inputText(capture('yolo_idle.txt'))).toBe('');
    expect(geminiCli.inputText(capture('processing.txt'))).toBe('');
    expect(geminiCli.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(geminiCli.inputText(capture('exit.txt'))).toBeUndefined();
  });

  it('answers no start-up dialog on ordinary screens', () => {
    expect(geminiCli.startupKeys(capture('idle.txt'))).toBeUndefined();
    // a permission prompt during work is the user's (or answer_user_prompt's) to answer
    expect(geminiCli.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers a permission prompt by number or by yes/no', () => {
    const shell = capture('waiting_user_answer.txt');
    expect(geminiCli.answerKeys?.(shell, '1')).toEqual(['Enter']);
    expect(geminiCli.answerKeys?.(shell, 'yes')).toEqual(['Enter']);
    expect(geminiCli.answerKeys?.(shell, '2')).toEqual(['Down', 'Enter']);
    expect(geminiCli.answerKeys?.(shell, 'no')).toEqual(['Down', 'Down', 'Enter']);
    expect(geminiCli.answerKeys?.(shell, 'use the staging database')).toBeUndefined();
    const mcp = capture('waiting_user_answer_mcp.txt');
    expect(geminiCli.answerKeys?.(mcp, '3')).toEqual(['Down', 'Down', 'Enter']);
    expect(geminiCli.answerKeys?.(mcp, 'no')).toEqual(['Down', 'Down', 'Down', 'Enter']);
    // no prompt on screen: nothing to pick
    expect(geminiCli.answerKeys?.(capture('completed.txt'), '1')).toBeUndefined();
  });

  it('says which rule decided, with the evidence line', () => {
    const busy = geminiCli.detect(capture('processing.txt'));
    expect(busy.rule).toBe('esc-to-cancel');
    expect(busy.evidence).toEqual(['⠧ Thinking... (esc to cancel, 2s)']);
    // HTTP 500: Gemini retries silently, so only the busy line says it is still at it
    expect(geminiCli.detect(capture('error_500.txt'))).toMatchObject({
      status: 'processing',
      rule: 'esc-to-cancel',
    });
    expect(geminiCli.detect(capture('waiting_user_answer.txt')).evidence).toEqual([
      'Allow execution of [Shell]?',
    ]);
    expect(geminiCli.detect(capture('interrupted.txt')).rule).toBe('interrupted');
    expect(geminiCli.detect(capture('error.txt')).rule).toBe('api-error');
  });
});

describe('gemini_cli over own captures (testdata/gemini_cli)', () => {
  it('answers the trust dialog with "Trust folder"', () => {
    const trust = own('waiting_user_answer', 'trust-folder');
    expect(geminiCli.detect(trust)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'trust-folder-dialog',
    });
    expect(geminiCli.startupKeys(trust)).toEqual(['Enter']);
    expect(geminiCli.inputText(trust)).toBeUndefined();
  });

  it('ignores the answered trust dialog above the restarted session', () => {
    const restarted = own('idle', 'trust-restarted');
    expect(geminiCli.detect(restarted)).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
    expect(geminiCli.startupKeys(restarted)).toBeUndefined();
  });

  it('keeps the lines and blank rows of a long answer (no true colour: blank box rows)', () => {
    expect(geminiCli.lastMessage(own('completed', 'multiline-no-truecolor'))).toBe(
      'ACK: first line of paste\nsecond line of paste\n\nfourth line after blank',
    );
  });

  it('is not fooled by markers quoted in an answer', () => {
    const quoted = own('completed', 'quoted-markers');
    expect(geminiCli.detect(quoted).status).toBe('completed');
    expect(geminiCli.lastMessage(quoted)).toBe(
      'The CLI may ask "Allow execution of: \'echo\'?" and show (esc to cancel, 2s) at times.\n' +
        '> not a user line\n✕ [API Error: quoted]',
    );
  });

  it('a message it queued (its MCP servers not ready yet) is work to do, not a finished reply', () => {
    const queued = own('processing', 'message-queued');
    expect(geminiCli.detect(queued)).toMatchObject({
      status: 'processing',
      rule: 'message-queued',
      evidence: ['Queued (press ↑ to edit):', expect.stringContaining('(WORKER-TASK 3)')],
    });
    // a reply that quotes the queue's header is still a reply
    const quoted = own('completed', 'quoted-markers').replace(
      '  ✕ [API Error: quoted]',
      '\n  Queued (press ↑ to edit):\n    a queued message',
    );
    expect(geminiCli.detect(quoted)).toMatchObject({ status: 'completed', rule: 'response' });
  });

  it('reads typed text and treats a refused tool call as the end of the turn', () => {
    expect(geminiCli.inputText(own('idle', 'input-pending'))).toBe('typed but not sent');
    expect(geminiCli.detect(own('idle', 'tool-denied')).rule).toBe('interrupted');
    expect(geminiCli.detect(own('processing', 'tool-running')).rule).toBe('esc-to-cancel');
  });
  it('reads a narrow pane (46 columns: the logo and the version get rows of their own)', () => {
    expect(geminiCli.detect(own('processing', 'narrow-46cols')).rule).toBe('esc-to-cancel');
    expect(geminiCli.lastMessage(own('completed', 'narrow-46cols'))).toBe(
      'Slow reply done. FAKE-REPLY-1',
    );
  });

  it('does not answer a trust dialog again while the CLI restarts after it', () => {
    const trust = own('waiting_user_answer', 'trust-folder');
    const restarting = `${trust}\n Gemini CLI is restarting to apply the trust changes...\n\n ▝▜▄\n\n Gemini CLI v0.61.0\n`;
    expect(geminiCli.startupKeys(restarting)).toBeUndefined();
    expect(geminiCli.detect(restarting)).toMatchObject({ status: 'unknown', rule: 'no-input-box' });
  });
});

describe('gemini_cli detector edge cases', () => {
  it('a submitted message without any answer yet is processing, not completed', () => {
    const s = screen([' > first', '', '✦ one', '', ' > second']);
    expect(geminiCli.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it('a previous turn answer does not make a new turn completed', () => {
    const s = screen([' > first', '✦ one', ' > second'], {
      busy: 'Thinking... (esc to cancel, 1s)',
    });
    expect(geminiCli.detect(s).status).toBe('processing');
    expect(geminiCli.lastMessage(s)).toBeUndefined();
  });

  it('the answer of the latest turn completes it, even after an earlier error', () => {
    const s = screen([' > fail', '✕ [API Error: boom]', ' > again', '✦ fine now', '  second line']);
    expect(geminiCli.detect(s)).toMatchObject({ status: 'completed', rule: 'response' });
    expect(geminiCli.lastMessage(s)).toBe('fine now\nsecond line');
  });

  it('an answer split by a tool box completes the turn with its last part', () => {
    const s = screen([
      ' > go',
      '✦ Let me look.',
      '╭──────────╮',
      '│ ✓  Shell ls │',
      '╰──────────╯',
      '✦ Done.',
    ]);
    expect(geminiCli.detect(s).status).toBe('completed');
    expect(geminiCli.lastMessage(s)).toBe('Done.');
  });

  it('an error notice before any user message is not a failed turn', () => {
    const s = screen(["✕ Error connecting to MCP server 'cao-mcp-server'"]);
    expect(geminiCli.detect(s)).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
  });

  it('text typed in the input box is idle, and the placeholder is empty', () => {
    expect(geminiCli.detect(screen([' > a', '✦ b'], { input: 'next task' }))).toMatchObject({
      status: 'idle',
      rule: 'input-pending',
    });
    expect(geminiCli.inputText(screen([], { input: 'line one' }))).toBe('line one');
    expect(geminiCli.inputText(screen([]))).toBe('');
  });

  it('a multi-line input keeps its lines', () => {
    const s = screen([]).replace(' >   Type your message', ' > one\n   two\n\n   four\n');
    expect(geminiCli.inputText(s)).toBe('one\ntwo\n\nfour');
  });

  it('an unknown numbered menu instead of the input box waits for the user', () => {
    const s = [
      ' > do it',
      '╭────────────────────────────╮',
      '│ Usage limit reached.        │',
      '│ ● 1. Switch to a smaller model │',
      '│   2. Stop                   │',
      '╰────────────────────────────╯',
    ].join('\n');
    expect(geminiCli.detect(s)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'choice-dialog',
    });
    expect(geminiCli.answerKeys?.(s, '2')).toEqual(['Down', 'Enter']);
    expect(geminiCli.startupKeys(s)).toBeUndefined();
  });

  it('the exit summary is an error even before tmux marks the pane dead', () => {
    const s = [
      '╭──────────╮',
      '│  Agent powering down. Goodbye!  │',
      '│  To resume this session: gemini --resume f6bee727  │',
      '╰──────────╯',
    ].join('\n');
    expect(geminiCli.detect(s)).toMatchObject({ status: 'error', rule: 'cli-exited' });
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(geminiCli.detect('bye\nPane is dead (status 1, Tue Nov 24 2026)').status).toBe('error');
    expect(geminiCli.detect('\n\n').status).toBe('unknown');
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({ mcpServers: caoMcpServers(), ...over });

describe('gemini_cli launch', () => {
  it('asks for approval by default, skips it in yolo mode, and trusts the folder per session', () => {
    expect(geminiCli.launch(ctx()).argv).toEqual([
      'gemini',
      '--approval-mode',
      'default',
      '--skip-trust',
    ]);
    expect(geminiCli.launch(ctx({ yolo: true })).argv).toEqual([
      'gemini',
      '--yolo',
      '--skip-trust',
    ]);
  });

  it('names its conversation with the id cao chose, and resumes that one (latest without one)', () => {
    const id = '44eaf684-d211-4892-bb9c-8933a4618010';
    expect(geminiCli.conversationArgs?.(id)).toEqual(['--session-id', id]);
    expect(geminiCli.resumeArgs?.(['gemini', '--yolo'], id)).toEqual([
      'gemini',
      '--yolo',
      '--resume',
      id,
    ]);
    expect(geminiCli.resumeArgs?.(['gemini'], null)).toEqual(['gemini', '--resume', 'latest']);
  });

  it("uses a profile permissionMode only when it is one of Gemini's approval modes", () => {
    const mode = (permissionMode: string): string[] =>
      geminiCli.launch(ctx({ profile: { ...ctx().profile, permissionMode } })).argv;
    expect(mode('auto_edit')).toContain('auto_edit');
    expect(mode('acceptEdits')).toContain('default');
  });

  it('replaces the system prompt with a private file named by GEMINI_SYSTEM_MD', () => {
    const spec = geminiCli.launch(ctx());
    expect(spec.env?.['GEMINI_SYSTEM_MD']).toBe('/cao/tmp/abcd1234.system.md');
    expect(spec.files).toContainEqual({
      path: '/cao/tmp/abcd1234.system.md',
      content: 'You write code.',
    });
    const none = geminiCli.launch(ctx({ profile: { ...ctx().profile, systemPrompt: ' ' } }));
    expect(none.env?.['GEMINI_SYSTEM_MD']).toBeUndefined();
  });

  it('passes MCP servers in a system settings file in the root-only directory when running as root', () => {
    const spec = geminiCli.launch(ctx({ isRoot: true, rootOnlyDir: '/run/cao' }));
    expect(spec.env?.['GEMINI_CLI_SYSTEM_SETTINGS_PATH']).toBe('/run/cao/abcd1234.settings.json');
    const settings = spec.files?.find((f) => f.path.endsWith('.settings.json'));
    expect(JSON.parse(settings?.content ?? '{}')).toEqual({
      mcpServers: {
        'cao-mcp-server': {
          command: '/usr/bin/node',
          args: ['/x/mcp.js'],
          env: { CAO_TERMINAL_ID: 'abcd1234' },
        },
      },
    });
  });

  it('does not point Gemini at a settings file it would refuse (not root, or no root-only directory); exports the terminal id', () => {
    for (const spec of [geminiCli.launch(ctx()), geminiCli.launch(ctx({ isRoot: true }))]) {
      expect(spec.env?.['GEMINI_CLI_SYSTEM_SETTINGS_PATH']).toBeUndefined();
      expect(spec.files?.some((f) => f.path.endsWith('.settings.json'))).toBe(false);
      expect(spec.env?.['CAO_TERMINAL_ID']).toBe('abcd1234');
    }
  });

  it('uses the model override before the profile model', () => {
    const spec = geminiCli.launch(
      ctx({ model: 'gemini-2.5-pro', profile: { ...ctx().profile, model: 'gemini-2.5-flash' } }),
    );
    expect(spec.argv.slice(spec.argv.indexOf('--model'), spec.argv.indexOf('--model') + 2)).toEqual(
      ['--model', 'gemini-2.5-pro'],
    );
  });

  it('denies the tools a restricted profile may not use, through a policy file', () => {
    const spec = geminiCli.launch(ctx({ allowedTools: ['fs_read', 'fs_list', '@cao-mcp-server'] }));
    expect(spec.argv.slice(-2)).toEqual(['--policy', '/cao/tmp/abcd1234.policy.toml']);
    const policy = spec.files?.find((f) => f.path.endsWith('.policy.toml'))?.content ?? '';
    expect(policy).toContain('toolName = "run_shell_command"\ndecision = "deny"');
    expect(policy).toContain('toolName = "write_file"');
    expect(policy).not.toContain('"read_file"');
    expect(policy).not.toContain('"grep_search"');
    expect(geminiCli.launch(ctx({ allowedTools: ['*'] })).argv).not.toContain('--policy');
    expect(geminiCli.launch(ctx({ allowedTools: ['@builtin'] })).argv).not.toContain('--policy');
  });
});

describe('gemini_cli long replies', () => {
  it('asks for more history when neither the user message nor the banner is in view', () => {
    const long = own('completed', 'long_400-220x50');
    expect(geminiCli.detect(long)).toMatchObject({
      status: 'completed',
      rule: 'long-reply',
      needsHistory: true,
    });
    const out = geminiCli.lastMessage(long) ?? '';
    expect(out.split('\n')[0]).toBe(CUT_NOTE);
    expect(out.split('\n').at(-1)?.trim()).toBe('LONG-400-END');
  });
});

describe('gemini_cli ask_user widget (real captures, 220x50 and 100x40)', () => {
  for (const size of ['', '-100x40']) {
    // the 100x40 one was resized from 220x50: the stale input box of the old frame shows above
    const widget = own('waiting_user_answer', `ask-user-question${size}`);
    it(`reads waiting_user_answer with the question and options${size}`, () => {
      const d = geminiCli.detect(widget);
      expect(d).toMatchObject({ status: 'waiting_user_answer', rule: 'ask-user-question' });
      expect(d.question).toEqual({
        text: 'Which colour should the button be?',
        options: ['Red', 'Blue', 'Green'],
      });
      expect(geminiCli.inputText(widget)).toBeUndefined();
    });
    it(`picks an option by number or by its text${size}`, () => {
      expect(geminiCli.answerKeys?.(widget, '1')).toEqual(['Enter']);
      expect(geminiCli.answerKeys?.(widget, '3')).toEqual(['Down', 'Down', 'Enter']);
      expect(geminiCli.answerKeys?.(widget, 'blue')).toEqual(['Down', 'Enter']);
      expect(geminiCli.answerKeys?.(widget, ' GREEN ')).toEqual(['Down', 'Down', 'Enter']);
      expect(() => geminiCli.answerKeys?.(widget, 'purple')).toThrow(/not one of the options/);
    });
  }

  it('counts the widget only as the last thing drawn: an answer quoting it is not a widget', () => {
    const quoted = screen([
      ' > what does the ask widget look like?',
      '',
      '✦ Like this:',
      '  │ Answer Questions │',
      '  │ ● 1.  Red │',
      '  │   2.  Blue │',
      '  │ Enter to select · ↑/↓ to navigate · Esc to cancel │',
    ]);
    expect(geminiCli.detect(quoted)).toMatchObject({ status: 'completed', rule: 'response' });
    expect(geminiCli.answerKeys?.(quoted, 'blue')).toBeUndefined();
  });
});
