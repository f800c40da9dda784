import { runCli } from './program';

// The process around the CLI: Ctrl+C ends a follow (`events tail`) cleanly, a second one at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.once('SIGTERM', () => controller.abort());
// A reader that stops early (`aif events list | head`) closes the pipe: that ends the output, not in a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
process.exitCode = await runCli(process.argv.slice(2), process.env, controller.signal);
