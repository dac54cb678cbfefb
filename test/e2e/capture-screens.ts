/**
 * Captures real screens of an agent CLI driven by cao, as new detector fixtures:
 *   npx tsx test/e2e/capture-screens.ts claude
 * writes src/providers/testdata/<provider>/<status>/<cli>-<version>-<state>.txt. Run it when a
 * CLI version changes, read the files, and keep the ones that add something.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared.js';
import { startStack } from './harness.js';

interface Plan {
  provider: string;
  version: () => string;
  steps: { state: string; status: string; message?: string; waitFor: RegExp; delayMs?: number }[];
}

const PLANS: Record<string, Plan> = {
  claude: {
    provider: 'claude_code',
    version: () => '2.1.331',
    steps: [
      { state: 'idle', status: 'idle', waitFor: /❯/ },
      {
        state: 'processing',
        status: 'processing',
        message: 'slow CAPTURE-SLOW',
        waitFor: /esc to interrupt/,
        delayMs: 800,
      },
      { state: 'completed', status: 'completed', waitFor: /CAPTURE-REPLY-SLOW[\s\S]*for \d+s/ },
      {
        state: 'completed-multiline',
        status: 'completed',
        message: 'multi CAPTURE-MULTI',
        waitFor: /third line[\s\S]*for \d+s/,
      },
    ],
  },
};

async function main(): Promise<void> {
  const cli = process.argv[2] ?? 'claude';
  const plan = PLANS[cli];
  if (!plan) throw new Error(`no capture plan for ${cli}`);
  const stack = await startStack({
    clis: [cli],
    env: { IS_SANDBOX: '1' },
    script: {
      turns: [
        { match: 'CAPTURE-SLOW', delayMs: 4000, reply: 'Slow reply. CAPTURE-REPLY-SLOW' },
        {
          match: 'CAPTURE-MULTI',
          reply: 'First line of the answer.\n\n- a bullet\n- another bullet\n\nthird line',
        },
      ],
    },
  });
  try {
    const r = await stack.cao([
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--yolo',
      '--session-name',
      'cap',
      '--working-directory',
      stack.work,
      '--provider',
      plan.provider,
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    const id = /id ([a-f0-9]{8})/.exec(r.stdout)?.[1] ?? '';
    const pane = stack.tmux(['list-panes', '-s', '-t', 'cao-cap', '-F', '#{pane_id}']).trim();
    for (const step of plan.steps) {
      if (step.message)
        await stack.api('POST', `/terminals/${id}/input`, { message: step.message });
      const deadline = Date.now() + 60_000;
      let screen = '';
      while (Date.now() < deadline) {
        screen = stack.tmux(['capture-pane', '-p', '-J', '-t', pane]);
        if (step.waitFor.test(screen)) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      if (step.delayMs) await new Promise((res) => setTimeout(res, step.delayMs));
      screen = stack.tmux(['capture-pane', '-p', '-J', '-t', pane]);
      const dir = join(PROJECT_ROOT, 'src', 'providers', 'testdata', plan.provider, step.status);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${cli}-${plan.version()}-${step.state}.txt`);
      writeFileSync(file, screen.replace(/[ \t]+$/gm, ''));
      process.stdout.write(`wrote ${file}\n`);
    }
  } finally {
    await stack.stop();
  }
}

await main();
