/**
 * Every provider's detector against every captured screen: the labelled captures in ../shared
 * (cao-fixtures from the original CAO, agent-clis captures of today's real CLIs) and our own
 * captures under testdata/<provider>/<status>/*.txt.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRaw } from '../../test/support/render.js';
import { SHARED_DIR, hasShared, sharedTitle } from '../../test/support/shared.js';
import { providers, type ProviderId } from './index.js';
import { STATUSES, type Status } from './provider.js';
import { stripAnsi } from './screen.js';

const TESTDATA = join(import.meta.dirname, 'testdata');

/** Per provider: which files in ../shared are its captures, and their expected statuses. */
interface SharedLabels {
  caoPrefixes: string[];
  capturesDir?: string;
  screens: Record<string, Status>;
}

const labelled = (Object.keys(providers) as ProviderId[]).flatMap((id) => {
  const file = join(TESTDATA, id, 'shared.json');
  return existsSync(file)
    ? [{ id, labels: JSON.parse(readFileSync(file, 'utf8')) as SharedLabels }]
    : [];
});

async function loadScreen(relPath: string): Promise<string> {
  const text = readFileSync(join(SHARED_DIR, relPath), 'utf8');
  if (/raw/.test(relPath)) return stripAnsi(await renderRaw(text, 160, 50));
  return relPath.endsWith('.ansi') ? stripAnsi(text) : text;
}

/** A `.ansi` capture is labelled by its `.txt` twin. */
const labelKey = (relPath: string): string => relPath.replace(/\.ansi$/, '.txt');

function sharedFilesOf(owner: SharedLabels): string[] {
  const files = readdirSync(join(SHARED_DIR, 'cao-fixtures'))
    .filter((f) => owner.caoPrefixes.some((p) => f.startsWith(p)))
    .map((f) => `cao-fixtures/${f}`);
  if (owner.capturesDir) {
    const dir = join(SHARED_DIR, 'agent-clis', 'captures', owner.capturesDir);
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) {
        if (f.endsWith('.txt') || f.endsWith('.ansi')) {
          if (f !== 'notes.txt') files.push(`agent-clis/captures/${owner.capturesDir}/${f}`);
        }
      }
    }
  }
  return files.sort();
}

describe.skipIf(!hasShared())(sharedTitle('captured screens in ../shared'), () => {
  for (const { id, labels: owner } of labelled) {
    const labels = owner.screens;
    const files = hasShared() ? sharedFilesOf(owner) : [];

    it(`${id}: every captured screen has an expected status`, () => {
      expect(files.length).toBeGreaterThan(0);
      const missing = files.filter((f) => labels[labelKey(f)] === undefined);
      expect(missing).toEqual([]);
    });

    for (const file of files) {
      const expected = labels[labelKey(file)];
      if (expected === undefined) continue;
      it(`${id}: ${file} is ${expected}`, async () => {
        const detection = providers[id].detect(await loadScreen(file));
        expect({ status: detection.status, rule: detection.rule }).toMatchObject({
          status: expected,
        });
        expect(detection.rule).not.toBe('');
      });
    }
  }
});

const ownCaptures = (Object.keys(providers) as ProviderId[]).flatMap((id) => {
  const dir = join(TESTDATA, id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((status) => !status.endsWith('.json'))
    .flatMap((status) =>
      readdirSync(join(dir, status)).map((file) => ({ id, status, path: join(dir, status, file) })),
    );
});

describe('own captures in testdata/<provider>/<status>/', () => {
  it('there are some', () => {
    expect(ownCaptures.length).toBeGreaterThan(0);
  });
  for (const { id, status, path } of ownCaptures) {
    it(`${id}: ${path.slice(TESTDATA.length + 1)}`, () => {
      expect(STATUSES).toContain(status);
      const screen = readFileSync(path, 'utf8');
      // a styled capture (`.ansi`) goes to a provider that reads colours as it is
      const styled = path.endsWith('.ansi') && providers[id].styled === true;
      expect(providers[id].detect(styled ? screen : stripAnsi(screen)).status).toBe(status);
    });
  }
});
