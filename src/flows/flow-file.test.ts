import { describe, expect, it } from 'vitest';
import { CaoError } from '../lib/errors.js';
import {
  assertFlowName,
  assertTemplateFillable,
  formatFlowFile,
  parseFlowFile,
  renderTemplate,
  resolveScriptPath,
  templateVariables,
} from './flow-file.js';

const file = (front: string, body = 'What is the capital of France?'): string =>
  `---\n${front}\n---\n${body}\n`;

const error = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CaoError);
    return (e as CaoError).message;
  }
  throw new Error('expected an error');
};

describe('parseFlowFile', () => {
  it('reads the reference example', () => {
    const def = parseFlowFile(
      file('name: morning-trivia\nschedule: "30 7 * * *"\nagent_profile: developer'),
      'x.flow.md',
    );
    expect(def).toEqual({
      name: 'morning-trivia',
      schedule: '30 7 * * *',
      agentProfile: 'developer',
      provider: undefined,
      script: undefined,
      promptTemplate: 'What is the capital of France?',
    });
  });

  it('reads provider and script, keeps the body as the template', () => {
    const def = parseFlowFile(
      file(
        'name: a_b-1\nschedule: "*/5 * * * *"\nagent_profile: dev\nprovider: claude_code\nscript: ./gate.sh',
        'Line one [[x]]\n\n---\nmore',
      ),
      'f',
    );
    expect(def.provider).toBe('claude_code');
    expect(def.script).toBe('./gate.sh');
    expect(def.promptTemplate).toBe('Line one [[x]]\n\n---\nmore');
  });

  it('says which fields are missing, wrong or unknown', () => {
    expect(error(() => parseFlowFile(file('name: a\nagent_profile: 3\nscirpt: x'), 'f.md'))).toBe(
      "Flow file f.md: 'schedule' is required; 'agent_profile' must be a string; unknown field 'scirpt' (a flow file has name, schedule, agent_profile, provider and script).",
    );
  });

  it('refuses a file without front matter or prompt', () => {
    expect(error(() => parseFlowFile('just text', 'f.md'))).toMatch(
      /f.md has no YAML front matter: start it with a '---' line/,
    );
    expect(
      error(() => parseFlowFile(file('name: a\nschedule: "* * * * *"\nagent_profile: d', ''), 'f')),
    ).toMatch(/has no prompt: write it below the closing '---'/);
    expect(error(() => parseFlowFile('---\nname: [\n---\nx', 'f'))).toMatch(
      /f: invalid YAML front matter/,
    );
    expect(error(() => parseFlowFile('---\n- a\n---\nx', 'f'))).toMatch(/must be a YAML mapping/);
  });

  it('refuses names with path characters, and names too long for a session', () => {
    for (const name of ['a/b', '../x', 'a.b', 'a b', '']) {
      expect(error(() => assertFlowName(name))).toMatch(
        /Invalid flow name .*use 1-55 letters, digits, '_' or '-'/,
      );
    }
    expect(assertFlowName('x'.repeat(55))).toHaveLength(55);
    expect(error(() => assertFlowName('x'.repeat(56)))).toMatch(/session cao-flow-<name>/);
    expect(
      error(() =>
        parseFlowFile(file('name: ../etc\nschedule: "* * * * *"\nagent_profile: d'), 'f'),
      ),
    ).toMatch(/^Flow file f: Invalid flow name '..\/etc'/);
  });

  it('refuses an invalid cron expression with an example of a valid one', () => {
    for (const s of ['61 * * * *', '* * *', 'every day', '0 0 * * * *', '0 0 30 2 *']) {
      expect(
        error(() => parseFlowFile(file(`name: a\nschedule: "${s}"\nagent_profile: d`), 'f')),
      ).toMatch(/Invalid schedule .*5-field cron expression .*"30 7 \* \* \*"/);
    }
  });
});

describe('templates', () => {
  it('lists and fills [[var]] placeholders; non-strings as JSON', () => {
    expect(templateVariables('[[a]] and [[b]] and [[a]] [[not a var]]')).toEqual(['a', 'b']);
    expect(renderTemplate('Hi [[who]], n=[[n]], [[o]]', { who: 'you', n: 3, o: { k: 1 } })).toBe(
      'Hi you, n=3, {"k":1}',
    );
  });

  it('names every missing variable', () => {
    expect(error(() => renderTemplate('[[x]] [[y]] [[z]]', { y: 1 }))).toMatch(
      /^Missing template variables: x, z\. The gate script's "output" object must have these keys/,
    );
  });

  it('a template with placeholders needs a gate script', () => {
    expect(() => assertTemplateFillable({ promptTemplate: '[[x]]', script: 'g.sh' })).not.toThrow();
    expect(() =>
      assertTemplateFillable({ promptTemplate: 'plain', script: undefined }),
    ).not.toThrow();
    expect(
      error(() => assertTemplateFillable({ promptTemplate: '[[x]]', script: undefined })),
    ).toMatch(/^Missing template variables: x\. Only a gate script/);
  });
});

describe('formatFlowFile', () => {
  it('round-trips, and no value can break out of the front matter', () => {
    const def = {
      name: 'a',
      schedule: '0 9 * * 1-5',
      agentProfile: 'developer',
      provider: 'claude_code',
      script: undefined,
      promptTemplate: '---\nscript: /bin/evil\n---\nreal prompt',
    };
    const text = formatFlowFile(def);
    expect(parseFlowFile(text, 'f')).toEqual(def);
    expect(text.split('---\n')[1]).not.toContain('script');
  });

  it('resolves a relative script against the flow file folder', () => {
    expect(resolveScriptPath('./gate.sh', '/flows/dir')).toBe('/flows/dir/gate.sh');
    expect(resolveScriptPath('/abs/gate', '/flows/dir')).toBe('/abs/gate');
  });
});
