import { runCli } from './program';

// The process around the CLI: Ctrl+C ends a follow (`events tail`) cleanly, a second one at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => controller.abort());
process.exitCode = await runCli(process.argv.slice(2), process.env, controller.signal);
