import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The tested walkthrough (the README's "Try it" sections lived here before they moved to docs/). */
export const WALKTHROUGH = 'docs/walkthrough.md';

/**
 * The examples of one walkthrough section (default "Try it"): each `sh` block followed directly by
 * the output block it prints.
 *
 * @param heading - the section's `## ` heading, exactly
 * @param file - the markdown file, relative to the repository root; @default docs/walkthrough.md
 * @throws {Error} when the file has no such section
 */
export function readmeExamples(heading = 'Try it', file = WALKTHROUGH): Array<{ command: string; expected: string }> {
  const text = readFileSync(`${ROOT}${file}`, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] as string }));
  const examples: Array<{ command: string; expected: string }> = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.lang === 'sh' && next && next.lang !== 'sh')
      examples.push({ command: block.body, expected: next.body.trim() });
  });
  return examples;
}

/**
 * An example's printed output as a pattern of the whole output: `…` stands for what differs from run
 * to run (a generated secret) — any characters within one line; everything else matches exactly.
 *
 * @example expectedOutput('secret whsec_… (shown once)').test('secret whsec_Zm9v (shown once)') // true
 */
export function expectedOutput(expected: string): RegExp {
  const parts = expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^\\n]*?')}$`);
}

/** Where the README's commands go instead of its fixed ports. */
export type ReadmeUrls = { api: string; receiver: string; echoA: string; echoB: string };

// The commands keep files in $TMPDIR (the subscription answer holding its secret): one folder per
// test process, so walkthroughs running in parallel test files never read each other's.
let scratch: string | undefined;
function scratchDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'aif-walkthrough-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/**
 * Runs one walkthrough command with bash, its fixed `localhost` ports replaced by `urls`,
 * asynchronously (the servers run in the test's own process and must answer meanwhile), with
 * `TMPDIR` set to a folder of this test process and `AIF_ENDPOINT` to `urls.api` (the `aif` CLI's
 * default is http://localhost:3000). URLs in what it prints are turned back into the fixed ones.
 *
 * @param env - the commands' environment (`AIF_URL` tells `npm run token` where the runner is)
 * @returns what it printed, trimmed
 */
export async function runReadmeCommand(
  command: string,
  urls: ReadmeUrls,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  // The error-count examples print this hour's counts: don't start seconds before the hour turns.
  const toNextHourMs = 3_600_000 - (Date.now() % 3_600_000);
  if (toNextHourMs < 15_000) await new Promise((resolve) => setTimeout(resolve, toNextHourMs + 100));
  const { stdout } = await promisify(execFile)(
    'bash',
    [
      '-c',
      command
        .replaceAll('http://localhost:3000', urls.api)
        .replaceAll('http://localhost:4000', urls.receiver)
        .replaceAll('http://localhost:5001', urls.echoA)
        .replaceAll('http://localhost:5002', urls.echoB),
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...env, AIF_ENDPOINT: urls.api, NO_COLOR: '1', TMPDIR: scratchDir() } },
  );
  return fixedUrls(stdout.trim(), urls);
}

/** `text` with the servers' actual URLs written as the walkthrough's fixed ones. */
export function fixedUrls(text: string, urls: ReadmeUrls): string {
  return text
    .replaceAll(urls.api, 'http://localhost:3000')
    .replaceAll(urls.receiver, 'http://localhost:4000')
    .replaceAll(urls.echoA, 'http://localhost:5001')
    .replaceAll(urls.echoB, 'http://localhost:5002');
}
