// ESLint flat config: type-aware typescript-eslint, the house rules of
// ../shared/reference/house-style-study.md §4 (no floating promises, type-only imports,
// kebab-case files), the layer boundaries of ARCHITECTURE.md ("May import"), Prettier for
// formatting.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import unicorn from 'eslint-plugin-unicorn';
import tseslint from 'typescript-eslint';

/**
 * Which folder of src/ may import which (ARCHITECTURE.md, "May import"). Each entry: the files,
 * the folders they must not import, whether type-only imports of those are allowed (a type is
 * erased at build time: a client may name the server's types without loading its code), and
 * the files exempt, each with its reason at the top of the file.
 */
const LAYERS = [
  {
    dir: 'lib',
    forbid: [
      'providers',
      'runtime',
      'store',
      'profiles',
      'core',
      'flows',
      'server',
      'client',
      'mcp',
      'cli',
    ],
  },
  {
    dir: 'providers',
    forbid: ['runtime', 'store', 'profiles', 'core', 'flows', 'server', 'client', 'mcp', 'cli'],
    nodeIo: true,
  },
  {
    dir: 'runtime',
    forbid: ['providers', 'store', 'profiles', 'core', 'flows', 'server', 'client', 'mcp', 'cli'],
  },
  {
    dir: 'store',
    forbid: ['runtime', 'profiles', 'core', 'flows', 'server', 'client', 'mcp', 'cli'],
  },
  {
    dir: 'profiles',
    forbid: ['runtime', 'store', 'core', 'flows', 'server', 'client', 'mcp', 'cli'],
  },
  { dir: 'core', forbid: ['flows', 'server', 'client', 'mcp', 'cli'] },
  { dir: 'flows', forbid: ['runtime', 'server', 'client', 'mcp', 'cli'] },
  // the server reaches tmux and SQLite only through the core; main.ts is the composition root
  {
    dir: 'server',
    forbid: ['runtime', 'store', 'client', 'mcp', 'cli'],
    types: true,
    except: ['src/server/main.ts'],
  },
  // clients talk to cao-server over HTTP: they may name its types, never load its code
  {
    dir: 'client',
    forbid: ['providers', 'runtime', 'store', 'profiles', 'core', 'flows', 'server', 'mcp', 'cli'],
    types: true,
  },
  {
    dir: 'mcp',
    forbid: ['providers', 'runtime', 'store', 'profiles', 'core', 'flows', 'server', 'cli'],
    types: true,
  },
  {
    dir: 'cli',
    forbid: ['providers', 'runtime', 'store', 'profiles', 'core', 'flows', 'server', 'mcp'],
    types: true,
    except: [
      'src/cli/commands/install.ts', // first-time set-up, before any server (see its top)
      'src/cli/commands/detect.ts', // a saved screen is classified without a server (see its top)
      'src/cli/commands/server.ts', // `cao server` runs cao-server itself
      'src/cli/commands/mcp-server.ts', // `cao mcp-server` runs cao-mcp-server itself
    ],
  },
];

const SQLITE_ONLY_IN_STORE = {
  group: ['better-sqlite3'],
  message: 'Only src/store/ (sqlite-store.ts, sqlite-open.ts) talks to SQLite.',
};

/** The files that may import better-sqlite3. */
const SQLITE_FILES = ['src/store/sqlite-store.ts', 'src/store/sqlite-open.ts'];

function boundaries() {
  const block = (l, files, ignores, sqlite) => ({
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(sqlite ? [] : [SQLITE_ONLY_IN_STORE]),
            {
              group: l.forbid.flatMap((d) => [`../${d}/*`, `../../${d}/*`, `../../../${d}/*`]),
              ...(l.types ? { allowTypeImports: true } : {}),
              message: `src/${l.dir}/ may not import this folder (ARCHITECTURE.md, "May import").`,
            },
            ...(l.nodeIo
              ? [
                  {
                    group: ['node:child_process', 'node:fs', 'node:net', 'node:http'],
                    message: 'Providers are pure functions over screen text.',
                  },
                ]
              : []),
          ],
        },
      ],
    },
  });
  return [
    // everywhere (tests, bench, scripts): SQLite only through the store
    {
      files: ['**/*.ts'],
      ignores: SQLITE_FILES,
      rules: { 'no-restricted-imports': ['error', { patterns: [SQLITE_ONLY_IN_STORE] }] },
    },
    ...LAYERS.map((l) =>
      block(
        l,
        [`src/${l.dir}/**/*.ts`],
        ['src/**/*.test.ts', ...SQLITE_FILES, ...(l.except ?? [])],
        false,
      ),
    ),
    block(
      LAYERS.find((l) => l.dir === 'store'),
      SQLITE_FILES,
      [],
      true,
    ),
  ];
}

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
    },
  },
  ...boundaries(),
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
