import { describe, expect, it } from 'vitest';
import { caoMcpServers, launchContext, testdataOf } from '../../test/support/providers.js';
import { caoFixture, captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { isCaoError } from '../lib/errors.js';
import { deniedPermissions, opencodeCli } from './opencode-cli.js';
import type { LaunchContext } from './provider.js';
import { CUT_NOTE } from './screen.js';

const capture = captureOf('opencode');
const fixture = caoFixture;
const own = testdataOf('opencode_cli');

const W = 156;
const SIDEBAR = ['Fake title', '', 'Context', '8,157 tokens', '0% used', '$0.00 spent'];
const IDLE_STATUS = `   /work${' '.repeat(110)}8.2K  ctrl+p commands    • OpenCode 1.18.33`;
const BUSY_STATUS = `   ■■■⬝⬝⬝⬝⬝  esc interrupt${' '.repeat(90)}tab agents  ctrl+p commands`;

/**
 * A session screen as OpenCode 1.18 draws it at 200 columns: the transcript (padded to the
 * main column, sidebar text on the right), the input box and the status line.
 */
function session(transcript: string[], opts: { input?: string[]; status?: string } = {}): string {
  const main = transcript.map((l, i) => l.padEnd(W + 4) + (SIDEBAR[i] ?? ''));
  const input = opts.input ?? [''];
  const box = [
    '  ┃',
    ...input.map((l) => (l === '' ? '  ┃' : `  ┃  ${l}`)),
    '  ┃',
    `  ┃  Build · Fake Model Fake LLM${' '.repeat(120)}/work:master`,
    `  ╹${'▀'.repeat(W - 3)}`,
  ];
  return [...main, '', ...box, opts.status ?? IDLE_STATUS].join('\n');
}
const user = (text: string): string[] => ['  ┃', `  ┃  ${text}`, '  ┃', ''];
const block = (...text: string[]): string[] => ['  ┃', ...text.map((t) => `  ┃  ${t}`), '  ┃', ''];
const answer = (...text: string[]): string[] => [...text.map((t) => `     ${t}`), ''];
const footer = (suffix = ''): string[] => [`     ▣  Build · Fake Model${suffix}`, ''];

describe.skipIf(!hasShared())(sharedTitle('opencode_cli over real captures'), () => {
  it('extracts the last answer of a completed turn, without the sidebar', () => {
    expect(opencodeCli.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(opencodeCli.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(opencodeCli.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    // styled (`capture-pane -e`): the muted `⚙ echo_echo_tool` line is still a tool line
    expect(opencodeCli.lastMessage(capture('mcp.ansi'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(opencodeCli.lastMessage(capture('after_approval.ansi'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(opencodeCli.lastMessage(capture('yolo.txt'))).toBe(
      'Yolo command finished. FAKE-REPLY-3',
    );
    expect(opencodeCli.lastMessage(fixture('opencode_cli_completed.txt'))).toBe(
      'Hello there, friend!',
    );
  });

  it('keeps paragraphs and lists of a longer answer', () => {
    expect(
      opencodeCli.lastMessage(own('completed/opencode-1.18.33-multiline-reply-custom-agent.txt')),
    ).toBe('Slow reply done. FAKE-REPLY-1\n\nSecond paragraph line.\n\n- bullet one\n- bullet two');
    expect(opencodeCli.lastMessage(own('completed/opencode-1.18.33-question-answered.txt'))).toBe(
      'Got the answer. ASK-DONE.',
    );
  });

  it('returns what is visible of an answer longer than the screen (no scrollback), saying it was cut', () => {
    const text = opencodeCli.lastMessage(own('completed/opencode-1.18.33-long-reply-scrolled.txt'));
    expect(text?.split('\n')[0]).toBe(CUT_NOTE);
    expect(text?.split('\n')[1]).toBe('line 2');
    expect(text?.split('\n').at(-1)).toBe('LONG-END');
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(opencodeCli.lastMessage(capture('error.txt'))).toBe('FAKE-ERROR-400 scripted failure');
    expect(opencodeCli.lastMessage(capture('interrupted.txt'))).toBeUndefined();
  });

  it('reads the input box: placeholder is empty, typed and pasted text shows', () => {
    expect(opencodeCli.inputText(capture('idle.txt'))).toBe('');
    expect(opencodeCli.inputText(capture('completed.txt'))).toBe('');
    expect(opencodeCli.inputText(fixture('opencode_cli_idle_splash.txt'))).toBe('');
    expect(opencodeCli.inputText(own('idle/opencode-1.18.33-typed-on-start-screen.txt'))).toBe(
      'hello typed text',
    );
    expect(opencodeCli.inputText(own('idle/opencode-1.18.33-typed-multiline.txt'))).toBe(
      'first typed line\nsecond typed line',
    );
    // pastes of 3+ lines are summarised in the box
    expect(opencodeCli.inputText(own('idle/opencode-1.18.33-long-paste-summary.txt'))).toBe(
      '[Pasted ~12 lines] first typed line',
    );
    // the autocomplete menu above the box is not part of it
    expect(opencodeCli.inputText(own('idle/opencode-1.18.33-slash-menu.txt'))).toBe(
      '/exitfirst typed line',
    );
    expect(opencodeCli.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(opencodeCli.inputText(capture('exit.txt'))).toBeUndefined();
  });

  it('has no start-up dialog to answer, and never answers a permission prompt', () => {
    expect(opencodeCli.startupKeys(capture('idle.txt'))).toBeUndefined();
    expect(opencodeCli.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers a permission prompt by number or by yes/no', () => {
    const screen = capture('waiting_user_answer.txt');
    expect(opencodeCli.answerKeys?.(screen, '1')).toEqual(['Enter']);
    expect(opencodeCli.answerKeys?.(screen, 'yes')).toEqual(['Enter']);
    expect(opencodeCli.answerKeys?.(screen, '2')).toEqual(['Right', 'Enter']);
    expect(opencodeCli.answerKeys?.(screen, '3')).toEqual(['Right', 'Right', 'Enter']);
    expect(opencodeCli.answerKeys?.(screen, 'no')).toEqual(['Escape']);
    expect(opencodeCli.answerKeys?.(screen, 'use the staging database')).toBeUndefined();
    const always = own('waiting_user_answer/opencode-1.18.33-always-allow-confirm.txt');
    expect(opencodeCli.answerKeys?.(always, 'yes')).toEqual(['Enter']);
    expect(opencodeCli.answerKeys?.(always, 'no')).toEqual(['Escape']);
  });

  it('answers the question tool with the option digit, by number or text', () => {
    const screen = own('waiting_user_answer/opencode-1.18.33-question-tool.txt');
    expect(opencodeCli.detect(screen)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'question',
    });
    expect(opencodeCli.detect(screen).question).toEqual({
      text: 'Which color do you want?',
      options: ['Red', 'Blue', 'Type your own answer'],
    });
    expect(opencodeCli.answerKeys?.(screen, '2')).toEqual(['2']);
    // an option's text, case-insensitive; other text is typed as its own answer
    expect(opencodeCli.answerKeys?.(screen, 'blue')).toEqual(['2']);
    expect(opencodeCli.answerKeys?.(screen, 'RED')).toEqual(['1']);
    expect(opencodeCli.answerKeys?.(screen, 'Blue, please')).toBeUndefined();
  });

  it('says which rule decided, with the evidence line', () => {
    const d = opencodeCli.detect(capture('processing.txt'));
    expect(d.rule).toBe('footer-esc-interrupt');
    expect(d.evidence.join('\n')).toContain('esc interrupt');
    expect(opencodeCli.detect(capture('error_500.txt')).rule).toBe('api-retrying');
    expect(opencodeCli.detect(capture('error.txt')).evidence[0]).toBe(
      'FAKE-ERROR-400 scripted failure',
    );
    expect(opencodeCli.detect(capture('completed.txt')).evidence).toEqual([
      '▣  Build · Fake Model · 9.2s',
    ]);
  });
});

describe('opencode_cli detector edge cases', () => {
  it('a message sent after a finished turn, with no answer yet, is processing', () => {
    const s = session([
      ...user('first'),
      ...answer('one'),
      ...footer(' · 2.0s'),
      ...user('second'),
    ]);
    expect(opencodeCli.detect(s)).toMatchObject({
      status: 'processing',
      rule: 'awaiting-response',
    });
  });

  it('a finished turn is completed whatever the duration format', () => {
    for (const d of [' · 9.2s', ' · 355ms', ' · 1m 5s', ' · 2h 1m']) {
      const s = session([...user('q'), ...answer('a'), ...footer(d)]);
      expect(opencodeCli.detect(s).status).toBe('completed');
    }
  });

  it('a turn footer without duration and without an error block was stopped: idle', () => {
    const s = session([...user('q'), ...answer('→ Read /etc/hostname'), ...footer()]);
    expect(opencodeCli.detect(s)).toMatchObject({ status: 'idle', rule: 'turn-stopped' });
    const marked = session([...user('q'), ...answer('partial'), ...footer(' · interrupted')]);
    expect(opencodeCli.detect(marked)).toMatchObject({ status: 'idle', rule: 'interrupted' });
  });

  it('an error block after some answer text is an error', () => {
    const s = session([
      ...user('q'),
      ...answer('Looking at it.'),
      ...block('Provider returned error: overloaded'),
      ...footer(),
    ]);
    expect(opencodeCli.detect(s)).toMatchObject({ status: 'error', rule: 'turn-error' });
    expect(opencodeCli.lastMessage(s)).toBe('Provider returned error: overloaded');
  });

  it('a failed turn loses its footer: the next message is read as a user message', () => {
    // fail (error block, no footer any more), then a new message that was interrupted
    const s = session([
      ...answer('done'),
      ...footer(' · 1.6s'),
      ...user('fail please'),
      ...block('FAKE-ERROR-400 scripted failure'),
      ...user('down please'),
      ...footer(),
    ]);
    expect(opencodeCli.detect(s).status).toBe('idle');
    // and the reverse: a new message that failed after an earlier failure
    const again = session([
      ...user('fail please'),
      ...block('first failure'),
      ...user('try again'),
      ...block('second failure'),
      ...footer(),
    ]);
    expect(opencodeCli.detect(again).status).toBe('error');
    expect(opencodeCli.lastMessage(again)).toBe('second failure');
  });

  it('a tool output block right before the footer is not an error', () => {
    const s = session([...user('q'), ...block('$ make test', '', 'FAIL'), ...footer()]);
    expect(opencodeCli.detect(s).status).toBe('idle');
  });

  it('keeps code lines of an answer (`$ npm test`) and drops the sidebar', () => {
    const s = session([
      ...user('md please'),
      ...answer('Result heading', 'Some bold text.', '$ npm test', 'ok', 'Final line.'),
      ...footer(' · 1.5s'),
    ]);
    expect(opencodeCli.lastMessage(s)).toBe(
      'Result heading\nSome bold text.\n$ npm test\nok\nFinal line.',
    );
  });

  it('the answer after the last tool call is the last message', () => {
    const s = session([
      ...user('q'),
      ...answer('Let me check.'),
      ...answer('⚙ cao-mcp-server_handoff [agent=developer]'),
      ...answer('The developer finished.'),
      ...footer(' · 3.1s'),
    ]);
    expect(opencodeCli.lastMessage(s)).toBe('The developer finished.');
  });

  it('text typed into the box is idle even after a finished turn', () => {
    const s = session([...user('q'), ...answer('a'), ...footer(' · 1s')], { input: ['next one'] });
    expect(opencodeCli.detect(s)).toMatchObject({ status: 'idle', rule: 'input-pending' });
  });

  it('the busy status line wins over a finished-looking transcript', () => {
    const s = session([...user('q'), ...answer('a'), ...footer(' · 1s'), ...user('again')], {
      status: BUSY_STATUS,
    });
    expect(opencodeCli.detect(s)).toMatchObject({
      status: 'processing',
      rule: 'footer-esc-interrupt',
    });
  });

  it('a toast drawn over the transcript is not part of it', () => {
    const toast = `${' '.repeat(40)}┃  FAKE-ERROR-400 scripted failure  ┃`;
    const s = session([
      `  ┃${' '.repeat(80)}┃${' '.repeat(35)}┃`,
      `  ┃  q${toast}`,
      '  ┃',
      '',
      ...answer('fine'),
      ...footer(' · 1s'),
    ]);
    expect(opencodeCli.lastMessage(s)).toBe('fine');
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(opencodeCli.detect('x\nPane is dead (status 0, Tue Nov 24 2026)').status).toBe('error');
    expect(opencodeCli.detect('\n\n').status).toBe('unknown');
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({ mcpServers: caoMcpServers(), ...over });

const configOf = (spec: ReturnType<typeof opencodeCli.launch>): Record<string, unknown> =>
  JSON.parse(
    spec.files?.find((f) => f.path === '/cao/tmp/abcd1234.opencode.json')?.content ?? '{}',
  ) as Record<string, unknown>;

describe('opencode_cli launch', () => {
  it('points OpenCode at a per-terminal config with the prompt, MCP servers and asking rules', () => {
    const spec = opencodeCli.launch(ctx());
    expect(spec.argv).toEqual(['opencode']);
    expect(spec.env).toEqual({
      OPENCODE_CONFIG: '/cao/tmp/abcd1234.opencode.json',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_TERMINAL_TITLE: '1',
    });
    expect(spec.files?.find((f) => f.path === '/cao/tmp/abcd1234.prompt.md')?.content).toBe(
      'You write code.',
    );
    expect(configOf(spec)).toEqual({
      $schema: 'https://opencode.ai/config.json',
      instructions: ['/cao/tmp/abcd1234.prompt.md'],
      mcp: {
        'cao-mcp-server': {
          type: 'local',
          command: ['/usr/bin/node', '/x/mcp.js'],
          environment: { CAO_TERMINAL_ID: 'abcd1234' },
          enabled: true,
        },
      },
      permission: {
        bash: 'ask',
        edit: 'ask',
        webfetch: 'ask',
        websearch: 'ask',
        codesearch: 'ask',
        task: 'ask',
        'cao-mcp-server_*': 'allow',
      },
    });
  });

  it('auto-approves in yolo mode and writes no asking rules', () => {
    const spec = opencodeCli.launch(ctx({ yolo: true }));
    expect(spec.argv).toEqual(['opencode', '--auto']);
    expect(configOf(spec)['permission']).toEqual({ 'cao-mcp-server_*': 'allow' });
  });

  it('denies the native tools a restricted profile does not grant, also in yolo mode', () => {
    const spec = opencodeCli.launch(
      ctx({ yolo: true, allowedTools: ['fs_read', 'fs_list', '@cao-mcp-server'] }),
    );
    expect(configOf(spec)['permission']).toEqual({
      'cao-mcp-server_*': 'allow',
      bash: 'deny',
      task: 'deny',
      edit: 'deny',
      webfetch: 'deny',
      websearch: 'deny',
      codesearch: 'deny',
    });
    expect(deniedPermissions(null)).toEqual([]);
    expect(deniedPermissions(['*'])).toEqual([]);
    expect(deniedPermissions(['@builtin'])).toEqual([]);
    expect(deniedPermissions(['fs_*', 'execute_bash'])).toEqual([
      'webfetch',
      'websearch',
      'codesearch',
    ]);
  });

  it('leaves out the prompt file and the MCP section when there is nothing to pass', () => {
    const spec = opencodeCli.launch(
      ctx({ profile: { name: 'x', description: '', systemPrompt: '  ' }, mcpServers: {} }),
    );
    expect(spec.files?.map((f) => f.path)).toEqual(['/cao/tmp/abcd1234.opencode.json']);
    const config = configOf(spec);
    expect(config['instructions']).toBeUndefined();
    expect(config['mcp']).toBeUndefined();
  });

  it('uses the model override before the profile model, as provider/model', () => {
    const spec = opencodeCli.launch(
      ctx({ model: 'anthropic/claude-sonnet-4-5', profile: { ...ctx().profile, model: 'a/b' } }),
    );
    expect(spec.argv.slice(spec.argv.indexOf('--model'))).toEqual([
      '--model',
      'anthropic/claude-sonnet-4-5',
    ]);
  });

  it('refuses a model without its provider, saying how to fix it', () => {
    let err: unknown;
    try {
      opencodeCli.launch(ctx({ model: 'gpt-5' }));
    } catch (e) {
      err = e;
    }
    expect(isCaoError(err) && err.code).toBe('INVALID_INPUT');
    expect(isCaoError(err) && err.message).toMatch(/provider\/model.*opencode models/s);
  });
});

/** The reply of test/e2e/status-screens.test.ts: OpenCode's and other CLIs' own words, quoted. */
const QUOTED = [
  'Here is what the terminal shows, quoted:',
  '⠋ Thinking… (esc to interrupt)',
  '🌒 · Tip: press esc to interrupt',
  '✻ Pondering… (3s · esc to interrupt)',
  '• Working (5s • esc to interrupt)',
  '⠼ Working (esc to cancel, 2s)',
  'Error: [provider.api_error] 400 bad request',
  'API Error: 500 internal error',
  '✗ Request failed',
  '▶ Run this command?',
  'Do you want to run this command?',
  'Allow execution of: rm?',
  '△ Permission required',
  'Interrupted by user',
  'QUOTED-END',
].join('\n\n');

describe('opencode_cli replies that quote its own lines (real 1.18.33 screens)', () => {
  it('reads a finished reply quoting spinners, errors and permission words as completed', () => {
    for (const size of ['220x50', '100x40']) {
      for (const ext of ['txt', 'ansi']) {
        const screen = own(`completed/opencode-1.18.33-quoted-markers-${size}.${ext}`);
        expect(opencodeCli.detect(screen), `${size}.${ext}`).toMatchObject({
          status: 'completed',
          rule: 'turn-footer',
        });
      }
    }
  });

  it('keeps a quoted spinner line in the answer when the colours show it is answer text', () => {
    const out = opencodeCli.lastMessage(
      own('completed/opencode-1.18.33-quoted-markers-220x50.ansi'),
    );
    expect(out).toBe(QUOTED);
  });

  it('says the answer may be cut once the user message is off the screen (100x40)', () => {
    const out = opencodeCli.lastMessage(
      own('completed/opencode-1.18.33-quoted-markers-100x40.ansi'),
    );
    // after the resize OpenCode draws `[provider.api_error]` as a link: the brackets are gone
    expect(out).toBe(
      `${CUT_NOTE}\n${QUOTED.replace('[provider.api_error]', 'provider.api_error')}`,
    );
  });

  it('without colours, a line that looks like a tool line is taken as one', () => {
    const out = opencodeCli.lastMessage(
      own('completed/opencode-1.18.33-quoted-markers-220x50.txt'),
    );
    expect(out?.startsWith('Error: [provider.api_error] 400 bad request')).toBe(true);
  });

  it('a real tool line in the muted colour still ends the answer search', () => {
    const text = '\x1b[38;5;255m';
    const muted = '\x1b[38;5;8m';
    const screen = [
      '',
      `  \x1b[38;5;75m┃\x1b[38;5;15m  ${text}run the tool`,
      '',
      `     ${text}Before the tool.`,
      '',
      `     ${muted}⠼\x1b[38;5;15m ${muted}Working on it`,
      '',
      `     ${text}After the tool.`,
      '',
      `     \x1b[38;5;75m▣ \x1b[38;5;15m ${text}Build${muted} · Fake Model · 2.2s`,
      '',
      '  ┃',
      '  ┃',
      '  ┃',
      '  ┃  Build · Fake Model Fake LLM',
      `  ╹${'▀'.repeat(60)}`,
      '   /work                 ctrl+p commands',
    ].join('\n');
    expect(opencodeCli.detect(screen).status).toBe('completed');
    expect(opencodeCli.lastMessage(screen)).toBe('After the tool.');
    // the same line in the answer's colour is quoted text
    const quoted = screen.replace(`${muted}⠼\x1b[38;5;15m ${muted}`, `${text}⠼ `);
    expect(opencodeCli.lastMessage(quoted)).toBe(
      'Before the tool.\n\n⠼ Working on it\n\nAfter the tool.',
    );
  });
});
