/** `cao server`: cao-server in the foreground. */
import { SERVER_HELP, runServer } from '../../server/main.js';
import { parse } from '../args.js';

export async function run(argv: string[]): Promise<number> {
  // usage errors (and --help) the way every cao command reports them
  parse(argv, { host: { type: 'string' }, port: { type: 'string' } }, SERVER_HELP, 0);
  await runServer(argv);
  // keep running until a signal stops the server
  await new Promise(() => {});
  return 0;
}
