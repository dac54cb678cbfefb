import { describe, expect, it } from 'vitest';
import { caoMcpServers, launchContext, testdataOf } from '../../test/support/providers.js';
import { captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import type { LaunchContext } from './provider.js';
import { qwenCli } from './qwen-cli.js';
import { CUT_NOTE } from './screen.js';

const capture = captureOf('qwen');
const testdata = testdataOf('qwen_cli');
const own = (status: string, name: string): string => testdata(`${status}/qwen-0.24.4-${name}.txt`);

const RULE = '─'.repeat(120);
/** A Qwen screen: transcript lines, then the busy line, the input box and the footer. */
const screen = (
  transcript: string[],
  o: { busy?: string; input?: string; footer?: string } = {},
): string =>
  [
    '  ╚══▀▀═╝  ╚══╝╚══╝ ╚══════╝╚═╝  ╚═══╝  │ >_ Qwen Code (v0.24.4)   │',
    '',
    ...transcript,
    '',
    ...(o.busy ? [`  ⠋  ${o.busy}`] : []),
    RULE,
    `> ${o.input ?? '  Type your message or @path/to/file'}`,
    RULE,
    '  ➜ work · git:(main) · qwen3-coder',
    `  ${o.footer ?? '⏸ Ask permissions (shift + tab to cycle)'}`,
  ].join('\n');

describe.skipIf(!hasShared())(sharedTitle('qwen_cli over real captures'), () => {
  it('extracts the last answer of a completed turn', () => {
    expect(qwenCli.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(qwenCli.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(qwenCli.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(qwenCli.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
    expect(qwenCli.lastMessage(capture('processing.txt'))).toBeUndefined();
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(qwenCli.lastMessage(capture('error.txt'))).toBe(
      '[API Error: 400 FAKE-ERROR-400 scripted failure] (Press Ctrl+Y to retry)',
    );
  });

  it('reads the input box: placeholder is empty, Esc puts the prompt back', () => {
    expect(qwenCli.inputText(capture('idle.txt'))).toBe('');
    expect(qwenCli.inputText(capture('yolo_idle.txt'))).toBe('');
    expect(qwenCli.inputText(capture('processing.txt'))).toBe('');
    // the trailing zero-width space is the cursor, not text
    expect(qwenCli.inputText(capture('interrupted.txt'))).toBe('down please (FAKE-PROMPT-6)');
    expect(qwenCli.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(qwenCli.inputText(capture('exit.txt'))).toBeUndefined();
  });

  it('answers no start-up dialog on ordinary screens', () => {
    expect(qwenCli.startupKeys(capture('idle.txt'))).toBeUndefined();
    expect(qwenCli.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers a permission prompt by number or by yes/no', () => {
    const shell = capture('waiting_user_answer.txt');
    expect(qwenCli.answerKeys?.(shell, '1')).toEqual(['Enter']);
    expect(qwenCli.answerKeys?.(shell, 'yes')).toEqual(['Enter']);
    expect(qwenCli.answerKeys?.(shell, '2')).toEqual(['Down', 'Enter']);
    expect(qwenCli.answerKeys?.(shell, 'no')).toEqual(['Down', 'Down', 'Down', 'Enter']);
    expect(qwenCli.answerKeys?.(shell, 'only in the tests folder')).toBeUndefined();
    expect(qwenCli.answerKeys?.(capture('waiting_user_answer_mcp.txt'), '4')).toEqual([
      'Down',
      'Down',
      'Down',
      'Enter',
    ]);
    expect(qwenCli.answerKeys?.(capture('idle.txt'), 'no')).toBeUndefined();
  });

  it('says which rule decided, with the evidence line', () => {
    const busy = qwenCli.detect(capture('processing.txt'));
    expect(busy.rule).toBe('esc-to-cancel');
    expect(busy.evidence.join('\n')).toContain('(1s · esc to cancel)');
    // HTTP 500: Qwen retries silently, so only the busy line says it is still at it
    expect(qwenCli.detect(capture('error_500.txt'))).toMatchObject({
      status: 'processing',
      rule: 'esc-to-cancel',
    });
    expect(qwenCli.detect(capture('waiting_user_answer.txt')).evidence).toEqual([
      "Allow execution of: 'echo'?",
    ]);
    expect(qwenCli.detect(capture('interrupted.txt')).rule).toBe('input-pending');
    expect(qwenCli.detect(capture('error.txt')).rule).toBe('api-error');
  });
});

describe('qwen_cli over own captures (testdata/qwen_cli)', () => {
  it('answers the trust dialog (security.folderTrust enabled) with "Trust folder"', () => {
    const trust = own('waiting_user_answer', 'trust-folder');
    expect(qwenCli.detect(trust)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'trust-folder-dialog',
    });
    expect(qwenCli.startupKeys(trust)).toEqual(['Enter']);
  });

  it('keeps the lines and blank rows of a long answer and of a multi-line input', () => {
    expect(qwenCli.lastMessage(own('completed', 'multiline'))).toBe(
      'ACK: first line of paste\nsecond line of paste\n\nfourth line after blank',
    );
    expect(qwenCli.inputText(own('idle', 'input-pending-multiline'))).toBe(
      'first line of paste\nsecond line of paste\n\nfourth line after blank',
    );
  });

  it('a message it queued (typed while it read its context after a resume) is work to do', () => {
    // the transcript still ends with the previous answer; the footer counts the queued message
    expect(qwenCli.detect(own('processing', 'message-queued-resumed'))).toMatchObject({
      status: 'processing',
      rule: 'message-queued',
    });
  });

  it('is not fooled by markers quoted in an answer', () => {
    const quoted = own('completed', 'quoted-markers');
    expect(qwenCli.detect(quoted).status).toBe('completed');
    expect(qwenCli.lastMessage(quoted)).toBe(
      'The CLI may ask "Allow execution of: \'echo\'?" and show (esc to cancel, 2s) at times.\n' +
        ' │ not a user line\n✕ [API Error: quoted]',
    );
  });

  it('a refused tool call ends the turn; a running tool keeps it busy', () => {
    expect(qwenCli.detect(own('idle', 'tool-denied'))).toMatchObject({
      status: 'idle',
      rule: 'interrupted',
    });
    expect(qwenCli.detect(own('processing', 'tool-running')).rule).toBe('esc-to-cancel');
  });

  it('finds the busy timer a narrow pane wrapped onto its own row', () => {
    expect(qwenCli.detect(own('processing', 'narrow-46cols-wrapped-busy'))).toMatchObject({
      status: 'processing',
      rule: 'esc-to-cancel',
      evidence: ['.. Rickrolling my boss...'],
    });
    expect(qwenCli.lastMessage(own('completed', 'narrow-46cols'))).toBe(
      'Slow reply done. FAKE-REPLY-1',
    );
  });
});

describe('qwen_cli detector edge cases', () => {
  it('a submitted message without any answer yet is processing, not completed', () => {
    const s = screen(['  > first', '', '  ◆︎ one', '', '  > second']);
    expect(qwenCli.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it('a previous turn answer does not make a new turn completed', () => {
    const s = screen(['  > first', '  ◆︎ one', '  > second'], {
      busy: 'Reticulating splines... (3s · esc to cancel)',
    });
    expect(qwenCli.detect(s).status).toBe('processing');
    expect(qwenCli.lastMessage(s)).toBeUndefined();
  });

  it('the busy footer alone means processing', () => {
    const s = screen(['  > first'], {
      footer: 'Enter to steer · Ctrl+Q to queue · ⏸ Ask permissions (shift + tab to cycle)',
    });
    expect(qwenCli.detect(s)).toMatchObject({ status: 'processing', rule: 'footer-steer' });
  });

  it('the answer of the latest turn completes it, even after an earlier error', () => {
    const s = screen([
      '  > fail',
      '  ✕ [API Error: 400 boom]',
      '  > again',
      '  ◆︎ fine now',
      '    second line',
    ]);
    expect(qwenCli.detect(s)).toMatchObject({ status: 'completed', rule: 'response' });
    expect(qwenCli.lastMessage(s)).toBe('fine now\nsecond line');
  });

  it('an error as the latest outcome is an error', () => {
    const s = screen(['  > a', '  ◆︎ b', '  > fail', '  ✕ [API Error: 400 boom]']);
    expect(qwenCli.detect(s)).toMatchObject({ status: 'error', rule: 'api-error' });
  });

  it('text typed in the input box is idle, and the placeholder is empty', () => {
    expect(qwenCli.detect(screen(['  > a', '  ◆︎ b'], { input: 'next task\u200b' }))).toMatchObject({
      status: 'idle',
      rule: 'input-pending',
    });
    expect(qwenCli.inputText(screen([], { input: 'next task\u200b' }))).toBe('next task');
    expect(qwenCli.inputText(screen([]))).toBe('');
  });

  it('the exit notice is an error even before tmux marks the pane dead', () => {
    const s = 'To continue this session, run\nqwen --resume 3ae2ea51-a405-4758-91b2-33ffb5051777';
    expect(qwenCli.detect(s)).toMatchObject({ status: 'error', rule: 'cli-exited' });
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(qwenCli.detect('bye\nPane is dead (status 1, Tue Nov 24 2026)').status).toBe('error');
    expect(qwenCli.detect('\n\n').status).toBe('unknown');
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({ mcpServers: caoMcpServers(), ...over });

describe('qwen_cli launch', () => {
  it('asks for approval (not the "auto" classifier) by default and skips it in yolo mode', () => {
    expect(qwenCli.launch(ctx()).argv.slice(0, 3)).toEqual(['qwen', '--approval-mode', 'default']);
    const yolo = qwenCli.launch(ctx({ yolo: true })).argv;
    expect(yolo.slice(0, 2)).toEqual(['qwen', '--yolo']);
    expect(yolo).not.toContain('--approval-mode');
  });

  it("uses a profile permissionMode only when it is one of Qwen's approval modes", () => {
    const mode = (permissionMode: string): string[] =>
      qwenCli.launch(ctx({ profile: { ...ctx().profile, permissionMode } })).argv;
    expect(mode('auto-edit')).toContain('auto-edit');
    expect(mode('bypassPermissions')).toContain('default');
  });

  it('appends the system prompt and passes MCP servers in a private file', () => {
    const spec = qwenCli.launch(ctx());
    expect(spec.argv.slice(spec.argv.indexOf('--append-system-prompt'))).toEqual([
      '--append-system-prompt',
      'You write code.',
      '--mcp-config',
      '/cao/tmp/abcd1234.mcp.json',
    ]);
    expect(JSON.parse(spec.files?.[0]?.content ?? '{}')).toEqual({
      mcpServers: {
        'cao-mcp-server': {
          command: '/usr/bin/node',
          args: ['/x/mcp.js'],
          env: { CAO_TERMINAL_ID: 'abcd1234' },
        },
      },
    });
    const bare = qwenCli.launch(
      ctx({ mcpServers: {}, profile: { ...ctx().profile, systemPrompt: '' } }),
    );
    expect(bare.argv).toEqual(['qwen', '--approval-mode', 'default']);
    expect(bare.files).toEqual([]);
  });

  it('uses the model override before the profile model', () => {
    const spec = qwenCli.launch(
      ctx({ model: 'qwen3-coder-plus', profile: { ...ctx().profile, model: 'qwen3-coder' } }),
    );
    expect(spec.argv[spec.argv.indexOf('--model') + 1]).toBe('qwen3-coder-plus');
  });

  it('excludes the tools a restricted profile may not use', () => {
    const argv = qwenCli.launch(
      ctx({ allowedTools: ['fs_read', 'fs_list', '@cao-mcp-server'] }),
    ).argv;
    const excluded = argv.flatMap((a, i) => (a === '--exclude-tools' ? [argv[i + 1]] : []));
    expect(excluded).toContain('run_shell_command');
    expect(excluded).toContain('write_file');
    expect(excluded).toContain('web_fetch');
    expect(excluded).not.toContain('read_file');
    expect(excluded).not.toContain('grep_search');
    expect(qwenCli.launch(ctx({ allowedTools: ['*'] })).argv).not.toContain('--exclude-tools');
  });
});

describe('qwen_cli long replies and its scrollbar', () => {
  it('a reply taller than the screen is completed; its last answer says it was cut', () => {
    const long = own('completed', 'long_120-220x50');
    expect(qwenCli.detect(long)).toMatchObject({ status: 'completed', rule: 'long-reply' });
    const out = qwenCli.lastMessage(long) ?? '';
    expect(out.split('\n')[0]).toBe(CUT_NOTE);
    expect(out.split('\n').at(-1)?.trim()).toBe('LONG-120-END');
  });

  it('reads an answer without the scrollbar drawn beside it', () => {
    const out = qwenCli.lastMessage(own('completed', 'quoted_markers_scrollbar-100x40')) ?? '';
    expect(out.startsWith('Here is what the terminal shows, quoted:\n\n⠋ Thinking…')).toBe(true);
    expect(out).not.toMatch(/[│█]/u);
    expect(out.endsWith('Interrupted by user\n\nQUOTED-END')).toBe(true);
  });
});

describe('qwen_cli ask_user_question widget (real captures, 220x50 and 100x40)', () => {
  for (const size of ['', '-100x40']) {
    const widget = own('waiting_user_answer', `ask-user-question${size}`);
    it(`reads waiting_user_answer with the question and options${size}`, () => {
      const d = qwenCli.detect(widget);
      expect(d).toMatchObject({ status: 'waiting_user_answer', rule: 'ask-user-question' });
      expect(d.question).toEqual({
        text: 'Which colour should the button be?',
        options: ['Red', 'Blue', 'Green', 'Type something...'],
      });
      expect(qwenCli.inputText(widget)).toBeUndefined();
    });
    it(`picks an option by number or by its text${size}`, () => {
      // the option's digit picks it (↓ Enter sent at once would pick the first: real Qwen 0.24.4)
      expect(qwenCli.answerKeys?.(widget, '1')).toEqual(['1']);
      expect(qwenCli.answerKeys?.(widget, '2')).toEqual(['2']);
      expect(qwenCli.answerKeys?.(widget, 'Blue')).toEqual(['2']);
      expect(qwenCli.answerKeys?.(widget, 'green')).toEqual(['3']);
      expect(() => qwenCli.answerKeys?.(widget, 'purple')).toThrow(/not one of the options/);
    });
  }
});
