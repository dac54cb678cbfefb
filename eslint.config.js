// ESLint flat config: type-aware typescript-eslint, the house rules of
// ../shared/reference/house-style-study.md §4 (no floating promises, type-only imports,
// kebab-case files, layer boundaries), Prettier for formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import unicorn from 'eslint-plugin-unicorn';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      '.test-tmp/**',
      'coverage/**',
      'web/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { unicorn },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'unicorn/filename-case': ['error', { case: 'kebabCase' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['better-sqlite3'],
              message: 'Only src/store/ (sqlite-store.ts, sqlite-open.ts) talks to SQLite.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/sqlite-store.ts', 'src/store/sqlite-open.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // providers are pure: screen text in, statuses out
    files: ['src/providers/**/*.ts'],
    ignores: ['src/providers/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../core/*',
                '../server/*',
                '../store/*',
                '../runtime/*',
                '../cli/*',
                '../mcp/*',
                'node:child_process',
                'node:fs',
              ],
              message: 'Providers are pure functions over screen text.',
            },
          ],
        },
      ],
    },
  },
  {
    // the CLI and the MCP server are HTTP clients; they never load server code
    files: ['src/cli/**/*.ts', 'src/mcp/**/*.ts'],
    ignores: [
      'src/cli/commands/server.ts',
      'src/cli/commands/mcp-server.ts',
      'src/cli/commands/init.ts',
      'src/**/*.test.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../core/*',
                '../../core/*',
                '../store/*',
                '../../store/*',
                '../runtime/*',
                '../../runtime/*',
                '../server/*',
                '../../server/*',
              ],
              allowTypeImports: true,
              message: 'Clients talk to cao-server over HTTP (type imports are fine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // plain Node scripts (scripts/, the fake agent)
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
  },
  prettier,
);
