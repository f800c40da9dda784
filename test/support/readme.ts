import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The examples of one README section (default "Try it"): each `sh` block followed directly by the
 * output block it prints.
 *
 * @param heading - the section's `## ` heading, exactly
 */
export function readmeExamples(heading = 'Try it'): Array<{ command: string; expected: string }> {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] as string }));
  const examples: Array<{ command: string; expected: string }> = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.lang === 'sh' && next && next.lang !== 'sh')
      examples.push({ command: block.body, expected: next.body.trim() });
  });
  return examples;
}

/** Where the README's commands go instead of its fixed ports. */
export type ReadmeUrls = { api: string; receiver: string; echoA: string; echoB: string };

/**
 * Runs one README command with bash, its fixed `localhost` ports replaced by `urls`, asynchronously
 * (the servers run in the test's own process and must answer meanwhile).
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
    { cwd: ROOT, encoding: 'utf8', env },
  );
  return stdout.trim();
}
