import { describe, expect, it } from 'vitest';
import { launchContext, testdataOf } from '../../test/support/providers.js';
import { renderRaw } from '../../test/support/render.js';
import { caoFixture, captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { isCaoError } from '../lib/errors.js';
import { kimiCli, kimiDisallowedTools } from './kimi-cli.js';
import type { InstallContext, LaunchContext, McpHttpServer } from './provider.js';
import { CUT_NOTE, stripAnsi } from './screen.js';

const capture = captureOf('kimi');
const fixture = caoFixture;
const own = testdataOf('kimi_cli');

const W = 60;
const box = (text = ''): string[] => [
  ` ╭${'─'.repeat(W)}╮`,
  ` │ > ${text.padEnd(W - 3)}│`,
  ` ╰${'─'.repeat(W)}╯`,
  ' fake-model thinking  /work  master',
  '                                   context: 9% (21.4k/256k)',
];
const screen = (...lines: string[]): string => lines.join('\n');

describe.skipIf(!hasShared())(sharedTitle('kimi_cli over real captures'), () => {
  it('extracts the last answer of a completed turn', () => {
    expect(kimiCli.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(kimiCli.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    expect(kimiCli.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(kimiCli.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
  });

  it('reports the error line as the last message of a failed turn', () => {
    expect(kimiCli.lastMessage(capture('error.txt'))).toBe(
      'Error: [provider.api_error] 400 FAKE-ERROR-400 scripted failure',
    );
    // an interrupted turn has no answer
    expect(kimiCli.lastMessage(capture('interrupted.txt'))).toBeUndefined();
  });

  it('reads the answer of the older kimi-cli screens', async () => {
    const raw = fixture('kimi_code_tui_completed_raw.txt');
    expect(kimiCli.lastMessage(stripAnsi(await renderRaw(raw, 160, 50)))).toBe(
      "def greet(name):\n    return f'Hello, {name}!'",
    );
    expect(kimiCli.lastMessage(fixture('kimi_cli_completed_output.txt'))).toBe(
      'The function takes a name parameter and returns a greeting string.',
    );
  });

  it('reads the input box', () => {
    expect(kimiCli.inputText(capture('idle.txt'))).toBe('');
    expect(kimiCli.inputText(capture('processing.txt'))).toBe('');
    // the approval panel replaces the input box
    expect(kimiCli.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(kimiCli.inputText(fixture('kimi_cli_idle_output.txt'))).toBe('');
  });

  it('answers nothing at start-up but the trust dialog', () => {
    expect(kimiCli.startupKeys(capture('idle.txt'))).toBeUndefined();
    // a permission prompt during work is the user's (or answer_user_prompt's) to answer
    expect(kimiCli.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers an approval panel with the option number', () => {
    for (const name of ['waiting_user_answer.txt', 'waiting_user_answer_mcp.txt']) {
      const s = capture(name);
      expect(kimiCli.answerKeys?.(s, '1')).toEqual(['1']);
      expect(kimiCli.answerKeys?.(s, 'yes')).toEqual(['1']);
      expect(kimiCli.answerKeys?.(s, '2')).toEqual(['2']);
      expect(kimiCli.answerKeys?.(s, 'no')).toEqual(['3']);
      expect(kimiCli.answerKeys?.(s, '7')).toBeUndefined();
      expect(kimiCli.answerKeys?.(s, 'only in the staging folder')).toBeUndefined();
    }
  });

  it('says which rule decided, with the evidence line', () => {
    const d = kimiCli.detect(capture('processing.txt'));
    expect(d.rule).toBe('spinner');
    expect(d.evidence.join('\n')).toContain('🌒 · Tip:');
    expect(kimiCli.detect(capture('error_500.txt')).rule).toBe('api-retrying');
    expect(kimiCli.detect(capture('exit.txt')).rule).toBe('cli-exited');
    expect(kimiCli.detect(capture('interrupted.txt')).rule).toBe('interrupted');
  });
});

describe('kimi_cli over own 2.1.0 captures', () => {
  it('answers the "Trust this folder?" dialog', () => {
    const s = own('waiting_user_answer/kimi-2.1.0-trust_folder_dialog.txt');
    expect(kimiCli.startupKeys(s)).toEqual(['Enter']);
    expect(kimiCli.inputText(s)).toBeUndefined();
    expect(kimiCli.answerKeys?.(s, 'no')).toEqual(['Down', 'Enter']);
  });

  it('reads typed and pasted text in the input box', () => {
    expect(kimiCli.inputText(own('idle/kimi-2.1.0-input_pending.txt'))).toBe(
      'multi please and tell me who you are',
    );
    expect(kimiCli.inputText(own('idle/kimi-2.1.0-input_pending_multiline.txt'))).toBe(
      'first pasted line\nsecond pasted line\nthird',
    );
  });

  it('keeps a multi-line answer, without the block indent', () => {
    expect(kimiCli.lastMessage(own('completed/kimi-2.1.0-multiline_answer.txt'))).toBe(
      [
        'First line of the answer.',
        '',
        'Second paragraph:',
        '',
        '• item one',
        '• item two',
        '',
        '```python',
        '  def greet(name):',
        '      return f"Hello, {name}!"',
        '```',
        '',
        'Done. FAKE-MULTI',
      ].join('\n'),
    );
    expect(kimiCli.lastMessage(own('completed/kimi-2.1.0-multiline_user_message.txt'))).toBe(
      'Hello! I am the fake model.',
    );
  });
});

describe('kimi_cli detector edge cases', () => {
  it('a submitted message without an answer or spinner yet is processing', () => {
    const s = screen(' ✨ first', '', ' ● one', '', ' ✨ second', '', ...box());
    expect(kimiCli.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it("the previous turn's answer does not make a running turn completed", () => {
    const s = screen(' ✨ first', ' ● one', ' ✨ second', '  🌔 · Tip: /model', ...box());
    expect(kimiCli.detect(s)).toMatchObject({ status: 'processing', rule: 'spinner' });
    const thinking = screen(' ✨ first', ' ● one', ' ✨ second', '', ' ⠙ Thinking…', ...box());
    expect(kimiCli.detect(thinking).status).toBe('processing');
  });

  it('text typed after a finished turn is idle, a finished turn alone is completed', () => {
    const done = [' ✨ go', '', ' ● done', ''];
    expect(kimiCli.detect(screen(...done, ...box()))).toMatchObject({ status: 'completed' });
    expect(kimiCli.detect(screen(...done, ...box('next task')))).toMatchObject({
      status: 'idle',
      rule: 'input-pending',
    });
  });

  it('an error after an answer in the same turn is the turn outcome', () => {
    const s = screen(
      ' ✨ go',
      ' ● Ran a command · $ ls',
      '   Command executed successfully.',
      '   Error: [provider.rate_limit] 429 slow down',
      ...box(),
    );
    expect(kimiCli.detect(s)).toMatchObject({ status: 'error', rule: 'api-error' });
  });

  it('an approval prompt quoted in an answer is not a prompt', () => {
    const s = screen(' ✨ q', ' ● It shows "▶ Run this command?" and waits.', ...box());
    expect(kimiCli.detect(s).status).toBe('completed');
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(
      kimiCli.detect(screen(' ● bye', 'Pane is dead (status 0, Tue Nov 24 2026)')).status,
    ).toBe('error');
    expect(kimiCli.detect('\n\n').status).toBe('unknown');
  });

  it('moves to the trust option when the cursor is on "Don\'t trust"', () => {
    const s = screen(
      ' ────────────────────────────────',
      '  Trust this folder?',
      '  ↑↓ navigate · Enter select · Esc exit',
      '',
      '     Trust this folder',
      '     Enable project MCP servers. Remembered for this folder.',
      '',
      "   ❯ Don't trust",
      '     Exit Kimi Code. Asked again next launch.',
    );
    expect(kimiCli.detect(s).status).toBe('waiting_user_answer');
    expect(kimiCli.startupKeys(s)).toEqual(['Up', 'Enter']);
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({
    profile: { name: 'code_supervisor', description: 'Plans work', systemPrompt: 'You plan.' },
    ...over,
  });

describe('kimi_cli launch', () => {
  it('asks in normal mode, uses Never Ask (--auto) in yolo mode', () => {
    expect(kimiCli.launch(ctx()).argv).toEqual([
      'kimi',
      '--agent-file',
      '/cao/tmp/abcd1234.kimi-agent.md',
    ]);
    const yolo = kimiCli.launch(ctx({ yolo: true })).argv;
    expect(yolo).toContain('--auto');
    // --yolo is Kimi's "Ask When Needed": it still asks
    expect(yolo).not.toContain('--yolo');
  });

  it('uses the model override before the profile model', () => {
    const spec = kimiCli.launch(ctx({ model: 'k2', profile: { ...ctx().profile, model: 'k1' } }));
    expect(spec.argv[spec.argv.indexOf('--model') + 1]).toBe('k2');
  });

  it('writes the system prompt into a per-terminal agent file that keeps Kimi`s own prompt', () => {
    const spec = kimiCli.launch(ctx());
    expect(spec.env).toEqual({ KIMI_CODE_NO_AUTO_UPDATE: '1' });
    expect(spec.files).toEqual([
      {
        path: '/cao/tmp/abcd1234.kimi-agent.md',
        content: [
          '---',
          'name: cao-code-supervisor',
          'description: "Plans work"',
          '---',
          '${base_prompt}',
          '',
          'You plan.',
          '',
        ].join('\n'),
      },
    ]);
  });

  it('denies the native tools a restricted profile may not use', () => {
    const spec = kimiCli.launch(ctx({ allowedTools: ['fs_read', 'fs_list', '@cao-mcp-server'] }));
    const content = spec.files?.[0]?.content ?? '';
    expect(content).toContain(
      'disallowedTools: ["Bash","TaskList","TaskOutput","TaskStop","Agent","AgentSwarm","Write","Edit","WebSearch","FetchURL"]',
    );
  });

  it('needs no agent file without a prompt or restrictions', () => {
    const spec = kimiCli.launch(ctx({ profile: { name: 'x', description: '', systemPrompt: '' } }));
    expect(spec.argv).toEqual(['kimi']);
    expect(spec.files).toEqual([]);
  });

  it('maps restricted CAO tools to denied native tools', () => {
    expect(kimiDisallowedTools(null)).toEqual([]);
    expect(kimiDisallowedTools(['*'])).toEqual([]);
    expect(kimiDisallowedTools(['@builtin'])).toEqual([]);
    const dev = kimiDisallowedTools(['fs_*', 'execute_bash', '@cao-mcp-server']);
    expect(dev).toEqual(['WebSearch', 'FetchURL']);
  });
});

const CAO_HTTP: McpHttpServer = {
  type: 'http',
  url: 'http://127.0.0.1:9889/mcp',
  headers: {},
  bearer: { token: 'cao_t_secret', env: 'CAO_TERMINAL_TOKEN' },
};
const httpCtx = (env: Record<string, string> = {}, home = '/home/u'): LaunchContext =>
  ctx({ mcpServers: { 'cao-mcp-server': CAO_HTTP }, env, home });

describe('kimi_cli launch over HTTP (a stand-in Kimi home)', () => {
  it('points Kimi at a private stand-in home and gives the token only in its environment', () => {
    const spec = kimiCli.launch(httpCtx());
    expect(spec.env).toEqual({
      KIMI_CODE_NO_AUTO_UPDATE: '1',
      KIMI_CODE_HOME: '/cao/tmp/kimi-code-home',
      CAO_TERMINAL_TOKEN: 'cao_t_secret',
    });
    expect(spec.argv.join(' ')).not.toContain('cao_t_secret');
    expect(spec.home?.source).toBe('/home/u/.kimi-code');
    expect(spec.home?.dir).toBe('/cao/tmp/kimi-code-home');
    expect(spec.home?.ensureDirs).toContain('sessions');
    expect(spec.home?.ensureFiles).toEqual(['session_index.jsonl']);
    expect(Object.keys(spec.home?.replace ?? {})).toEqual(['mcp.json']);
  });

  it("on another host: the stand-in in cao's folder there, linking that user's Kimi home", () => {
    const spec = kimiCli.launch({
      ...httpCtx({}, '/home/far'),
      tmpDir: '/home/far/.cao/tmp',
    });
    expect(spec.home?.source).toBe('/home/far/.kimi-code');
    expect(spec.home?.dir).toBe('/home/far/.cao/tmp/kimi-code-home');
    expect(spec.env?.['KIMI_CODE_HOME']).toBe('/home/far/.cao/tmp/kimi-code-home');
  });

  it("links the user's own KIMI_CODE_HOME when cao-server has one", () => {
    const spec = kimiCli.launch(httpCtx({ HOME: '/home/u', KIMI_CODE_HOME: '/data/kimi' }));
    expect(spec.home?.source).toBe('/data/kimi');
    expect(spec.env?.['KIMI_CODE_HOME']).toBe('/cao/tmp/kimi-code-home');
  });

  it("writes the user's servers without the stdio bridge, and cao's with bearerTokenEnvVar", () => {
    const mcp = kimiCli.launch(httpCtx()).home?.replace['mcp.json'];
    const user = JSON.stringify({
      theme: 'dark',
      mcpServers: {
        echo: { command: 'node', args: ['echo.js'] },
        'cao-mcp-server': { command: '/usr/bin/cao-mcp-server', args: [] },
        renamed: { command: '/opt/cao/bin/cao-mcp-server', args: [] },
      },
    });
    const text = mcp?.(user) ?? '';
    expect(JSON.parse(text)).toEqual({
      theme: 'dark',
      mcpServers: {
        echo: { command: 'node', args: ['echo.js'] },
        'cao-mcp-server': {
          url: 'http://127.0.0.1:9889/mcp',
          bearerTokenEnvVar: 'CAO_TERMINAL_TOKEN',
          toolTimeoutMs: 1_200_000,
        },
      },
    });
    expect(text).not.toContain('cao_t_secret');
    expect(JSON.parse(mcp?.(undefined) ?? '')).toHaveProperty('mcpServers.cao-mcp-server.url');
  });

  it("says what to do when the user's mcp.json is not a JSON object", () => {
    const mcp = kimiCli.launch(httpCtx()).home?.replace['mcp.json'];
    try {
      mcp?.('[1, 2');
      expect.unreachable();
    } catch (e) {
      expect(isCaoError(e) && e.message).toMatch(
        /\/home\/u\/\.kimi-code\/mcp\.json is not a JSON object.*CAO_MCP_TRANSPORT=stdio/,
      );
    }
  });

  it('keeps the stdio route (CAO_MCP_TRANSPORT=stdio): no stand-in home, no token', () => {
    const spec = kimiCli.launch(
      ctx({
        mcpServers: {
          'cao-mcp-server': { type: 'stdio', command: 'node', args: ['bridge.js'], env: {} },
        },
        env: { HOME: '/home/u' },
      }),
    );
    expect(spec.home).toBeUndefined();
    expect(spec.env).toEqual({ KIMI_CODE_NO_AUTO_UPDATE: '1' });
  });

  it('refuses clearly when neither KIMI_CODE_HOME nor HOME is known', () => {
    expect(() => kimiCli.launch(httpCtx({}, ''))).toThrow(/CAO_MCP_TRANSPORT=stdio/);
  });
});

const install = (files: Record<string, string> = {}): InstallContext => ({
  profile: {
    name: 'developer',
    description: 'd',
    systemPrompt: 'p',
    allowedTools: ['*'],
    mcpServers: {
      'cao-mcp-server': {
        command: '/usr/bin/cao-mcp-server',
        args: [],
        env: { CAO_TERMINAL_ID: 'stale', CAO_API_URL: 'http://x', LOG: '1' },
      },
    },
    raw: {},
  },
  contextFile: '/cao/agent-context/developer.md',
  home: '/home/u',
  caoHome: '/home/u/.aws/cli-agent-orchestrator',
  readFile: (p) => files[p],
});

describe('kimi_cli install', () => {
  it("adds the profile's MCP servers to ~/.kimi-code/mcp.json, keeping the user's", () => {
    const existing = JSON.stringify({
      mcpServers: { mine: { command: 'my-server' } },
      other: true,
    });
    const [file] =
      kimiCli.installFiles?.(install({ '/home/u/.kimi-code/mcp.json': existing })) ?? [];
    expect(file?.path).toBe('/home/u/.kimi-code/mcp.json');
    expect(JSON.parse(file?.content ?? '{}')).toEqual({
      mcpServers: {
        mine: { command: 'my-server' },
        'cao-mcp-server': {
          command: '/usr/bin/cao-mcp-server',
          args: [],
          // the terminal id comes from the agent's environment, which Kimi passes on
          env: { LOG: '1' },
          toolTimeoutMs: 1_200_000,
        },
      },
      other: true,
    });
  });

  it('refuses to overwrite an mcp.json it cannot read, saying what to do', () => {
    let err: unknown;
    try {
      kimiCli.installFiles?.(install({ '/home/u/.kimi-code/mcp.json': '{ broken' }));
    } catch (e) {
      err = e;
    }
    expect(isCaoError(err) && err.message).toMatch(/mcp\.json.*Fix or move/);
  });

  it('writes nothing for a profile without MCP servers', () => {
    const ctx = install();
    expect(kimiCli.installFiles?.({ ...ctx, profile: { ...ctx.profile, mcpServers: {} } })).toEqual(
      [],
    );
  });
});

describe('kimi_cli stale frames', () => {
  it('ignores an input box left in the scrollback above a newer turn', () => {
    const s = screen(
      ' ✨ first',
      ' ● one',
      ...box(),
      ' ✨ second',
      ' ● Running a command · $ rm -rf build',
      ' ──────────────────────────────',
      '   ▶ Run this command?',
      '   ▶ 1. Approve once',
      '     2. Approve for this session',
      '     3. Reject',
      '   ↑/↓ select · 1/2/3 choose · ↵ confirm',
      ' ──────────────────────────────',
    );
    expect(kimiCli.detect(s)).toMatchObject({ status: 'waiting_user_answer' });
    expect(kimiCli.inputText(s)).toBeUndefined();
  });
});

describe('kimi_cli replies that quote its own markers', () => {
  const quoted = [
    ' ✨ show me',
    '',
    ' ● Here is what the terminal shows:',
    '',
    '   ⠋ Thinking… (esc to interrupt)',
    '',
    '   🌒 · Tip: press esc',
    '',
    '   Error: [provider.api_error] 400 bad request',
    '',
    '   Interrupted by user',
    '',
    '   QUOTED-END',
    '',
  ];

  it('reads spinner, error and interrupt lines inside an answer as transcript', () => {
    expect(kimiCli.detect(screen(...quoted, ...box()))).toMatchObject({
      status: 'completed',
      rule: 'response',
    });
    // even when the answer ends with a spinner line: it is in the answer's column, not Kimi's
    const endsBusy = screen(' ✨ q', ' ● It shows', '   🌒 · Tip: /model', '', ...box());
    expect(kimiCli.detect(endsBusy).status).toBe('completed');
  });

  it("still reads Kimi's own activity line and its retry detail as processing", () => {
    const retry = screen(
      ' ✨ q',
      '',
      '  🌓 Retrying (5/10) · APIStatusError',
      '     500 · down',
      ...box(),
    );
    expect(kimiCli.detect(retry)).toMatchObject({ status: 'processing', rule: 'api-retrying' });
  });

  it('uses colour where position cannot tell: a coloured error line is the outcome', () => {
    const red = (t: string): string => `   \x1b[38;5;210m${t}\x1b[39m`;
    const styled = [
      ' ✨ go',
      ' \x1b[38;5;253m●\x1b[39m partial answer',
      red('Error: [provider.api_error] 500 x'),
      '',
      ...box(),
    ];
    expect(kimiCli.detect(screen(...styled))).toMatchObject({ status: 'error', rule: 'api-error' });
    // the same words in the default colour are quoted text
    const plain = [
      ' ✨ go',
      ' \x1b[38;5;253m●\x1b[39m quoting',
      '   Error: [provider.api_error] 500 x',
      '',
      ...box(),
    ];
    expect(kimiCli.detect(screen(...plain)).status).toBe('completed');
  });
});

describe('kimi_cli long replies', () => {
  const tail = Array.from({ length: 30 }, (_, i) => `   • line ${i + 71} of 100`);

  it('a reply whose start scrolled out is completed, and asks for more history', () => {
    const d = kimiCli.detect(screen(...tail, '     END', '', ...box()));
    expect(d).toMatchObject({ status: 'completed', rule: 'long-reply', needsHistory: true });
    // the welcome panel in view: the session has no turn yet
    const fresh = screen(' │  Model:     fake-model  │', '', '   No session yet', '', ...box());
    expect(kimiCli.detect(fresh)).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
  });

  it('says the last answer was cut when its start is out of the history', () => {
    const out = kimiCli.lastMessage(screen(...tail, '     END', '', ...box()));
    expect(out?.split('\n')[0]).toBe(CUT_NOTE);
    expect(out?.split('\n')[1]).toBe('• line 71 of 100');
    expect(out?.split('\n').at(-1)?.trim()).toBe('END');
  });

  it('reads the whole long reply from the history', () => {
    const whole = screen(' ✨ go', '', ' ● First line', ...tail, '', ...box());
    const out = kimiCli.lastMessage(whole);
    expect(out?.startsWith('First line\n• line 71 of 100')).toBe(true);
    expect(kimiCli.detect(whole)).toMatchObject({ status: 'completed', rule: 'response' });
  });
});

describe('kimi_cli last answer with quoted markers', () => {
  it('keeps quoted spinner and panel lines in the answer (real 2.1.0 screen)', () => {
    const out = kimiCli.lastMessage(own('completed/kimi-2.1.0-quoted_markers-220x50.txt')) ?? '';
    expect(out.startsWith('Here is what the terminal shows, quoted:\n\n⠋ Thinking…')).toBe(true);
    expect(out).toContain('▶ Run this command?');
    expect(out.endsWith('Interrupted by user\n\nQUOTED-END')).toBe(true);
  });
});

describe('kimi_cli AskUserQuestion widget (real captures, 220x50 and 100x40)', () => {
  for (const size of ['', '-100x40']) {
    const widget = own(`waiting_user_answer/kimi-2.1.0-ask-user-question${size}.txt`);
    it(`reads waiting_user_answer with the question and options${size}`, () => {
      const d = kimiCli.detect(widget);
      expect(d).toMatchObject({ status: 'waiting_user_answer', rule: 'ask-user-question' });
      expect(d.question).toEqual({
        text: 'Which colour should the button be?',
        options: ['Red', 'Blue', 'Green', 'Other'],
      });
      expect(kimiCli.inputText(widget)).toBeUndefined();
    });
    it(`picks an option by its digit, from its number or its text, and submits${size}`, () => {
      // then Enter submits the review it opens (checked on real Kimi 2.1.0 in ask-widgets e2e)
      expect(kimiCli.answerKeys?.(widget, '3')).toEqual(['3', 'Enter']);
      expect(kimiCli.answerKeys?.(widget, 'blue')).toEqual(['2', 'Enter']);
      expect(kimiCli.answerKeys?.(widget, 'RED')).toEqual(['1', 'Enter']);
      expect(() => kimiCli.answerKeys?.(widget, 'purple')).toThrow(/not one of the options/);
      expect(() => kimiCli.answerKeys?.(widget, '7')).toThrow(/not one of the options/);
    });
  }

  it('counts the widget only at the end of the screen: an answer quoting it is not a widget', () => {
    const quoted = screen(
      ' ✨ what does the question widget look like?',
      '',
      ' ● It shows:',
      '   ? Which colour?',
      '   → [1] Red',
      '   ↑↓ select  1-4 / ↵ choose  ←/→/tab switch  esc cancel',
      '',
      ...box(),
    );
    expect(kimiCli.detect(quoted).status).toBe('completed');
    expect(kimiCli.answerKeys?.(quoted, 'red')).toBeUndefined();
  });
});

describe('kimi_cli resume', () => {
  const argv = ['kimi', '--auto', '--agent-file', '/cao/tmp/ab.kimi-agent.md', '--model', 'k2'];
  it('continues the session cao recorded, without the agent file Kimi refuses with it', () => {
    expect(kimiCli.resumeArgs?.(argv, 'session_e1e5ae48-558b-4e46-8d0b-0fb76bc47c08')).toEqual([
      'kimi',
      '--auto',
      '--model',
      'k2',
      '--session',
      'session_e1e5ae48-558b-4e46-8d0b-0fb76bc47c08',
    ]);
  });

  it("continues the folder's latest when cao recorded none", () => {
    expect(kimiCli.resumeArgs?.(['kimi', '--agent', 'x'], null)).toEqual(['kimi', '--continue']);
  });
});
