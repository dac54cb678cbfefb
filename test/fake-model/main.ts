/**
 * The fake model server as a standalone process, for manual runs and benchmarks:
 *
 *   npx tsx test/fake-model/main.ts --script turns.json [--port N] [--dump DIR]
 *
 * The script file is a Script as JSON (`match` strings of the form "/regex/flags" are regular
 * expressions); it is read again whenever it changes. Prints `FAKE_MODEL_LISTENING <port>` on
 * stdout once listening, then one JSON line per reply on stderr.
 */
import { readFileSync, watchFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { scriptFromJson, type Script } from './script.js';
import { startFakeModel } from './server.js';

const { values } = parseArgs({
  options: {
    script: { type: 'string' },
    port: { type: 'string' },
    dump: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: tsx test/fake-model/main.ts [--script file.json] [--port N] [--dump DIR]\n',
  );
  process.exit(0);
}

const load = (file: string): Script =>
  scriptFromJson(JSON.parse(readFileSync(file, 'utf8')) as unknown);

const file = values.script;
const model = await startFakeModel(file ? load(file) : { turns: [] }, {
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values.dump ? { dumpDir: values.dump } : {}),
  onReply: (r) => process.stderr.write(`${JSON.stringify(r)}\n`),
}).catch((e: unknown) => {
  process.stderr.write(`fake-model: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
if (file) {
  watchFile(file, { interval: 300 }, () => {
    try {
      model.setScript(load(file));
      process.stderr.write(`${JSON.stringify({ at: Date.now(), reloaded: file })}\n`);
    } catch (e) {
      process.stderr.write(`${JSON.stringify({ at: Date.now(), error: String(e) })}\n`);
    }
  });
}
process.stdout.write(`FAKE_MODEL_LISTENING ${model.port}\n`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void model.close().then(() => process.exit(0));
  });
}
