/**
 * Runs in every test file before it is loaded (vitest `setupFiles`).
 *
 * The functions' Powertools loggers print structured JSON lines (warnings for 5xx answers, audit
 * records, the local runner's delivery errors): in a test run those are noise between the results,
 * since the tests assert what the API answers, not what it logs. They are silenced unless
 * POWERTOOLS_LOG_LEVEL is set already — `POWERTOOLS_LOG_LEVEL=INFO npx vitest run <file>` shows
 * them while debugging. A test that asserts log lines sets its own level before it creates loggers
 * (see test/e2e/auth-matrix.e2e.test.ts).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// The AWS SDK warns on Node 20 that releases published after early January 2027 need Node 22
// (NodeVersionSupportWarning, once per test process): the lock file keeps the tested versions and
// Lambda runs Node 22, so there is nothing to act on in a test run. Every other warning still prints.
const printWarning = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'NodeVersionSupportWarning' || warning.message.includes('NodeVersionSupportWarning')) return;
  for (const listener of printWarning) listener(warning);
});
