import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'test/fake-agent/**/*.test.ts',
            'test/fake-model/**/*.test.ts',
          ],
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 600_000,
          // real CLIs and tmux: one file at a time keeps the 2-core machine's timings sane
          fileParallelism: false,
        },
      },
    ],
  },
});
