import { describe, expect, it } from 'vitest';
import { assertAgentEnv, isLoaderVar } from './env-policy.js';
import { CaoError } from './errors.js';

describe('env policy', () => {
  it('knows the variables that make a program load code, by name and by prefix', () => {
    for (const name of [
      'NODE_OPTIONS',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'LD_AUDIT',
      'DYLD_INSERT_LIBRARIES',
      'BASH_ENV',
      'ENV',
      'PYTHONSTARTUP',
      'PYTHONPATH',
      'PERL5OPT',
      'RUBYOPT',
      'JAVA_TOOL_OPTIONS',
      'GIT_SSH_COMMAND',
      'GIT_CONFIG_COUNT',
      'EDITOR',
    ]) {
      expect(isLoaderVar(name), name).toBe(true);
    }
    for (const name of [
      'IS_SANDBOX',
      'ANTHROPIC_API_KEY',
      'OPENAI_API_KEY',
      'HOME',
      'PATH',
      'node_options',
      'MY_ENV',
      'TERM',
    ]) {
      expect(isLoaderVar(name), name).toBe(false);
    }
  });

  it('refuses them with a message naming each and the setting that allows them', () => {
    let err: unknown;
    try {
      assertAgentEnv(
        { IS_SANDBOX: '1', NODE_OPTIONS: '--import=data:,x', LD_PRELOAD: '/x.so' },
        [],
        'env_vars',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaoError);
    const e = err as CaoError;
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('env_vars may not set NODE_OPTIONS, LD_PRELOAD');
    expect(e.message).toContain('"allow_loader_vars": ["NODE_OPTIONS", "LD_PRELOAD"]');
    expect(e.details).toEqual({ refused: ['NODE_OPTIONS', 'LD_PRELOAD'] });
  });

  it('lets API keys, IS_SANDBOX and what the owner allowed through', () => {
    expect(() =>
      assertAgentEnv({ IS_SANDBOX: '1', ANTHROPIC_API_KEY: 'sk-x' }, [], 'env_vars'),
    ).not.toThrow();
    expect(() =>
      assertAgentEnv({ LD_LIBRARY_PATH: '/opt/lib' }, ['LD_LIBRARY_PATH'], 'env_vars'),
    ).not.toThrow();
    expect(() =>
      assertAgentEnv({ LD_LIBRARY_PATH: '/opt/lib', BASH_ENV: 'x' }, ['LD_LIBRARY_PATH'], 'e'),
    ).toThrow(/e may not set BASH_ENV: it makes/);
  });
});
