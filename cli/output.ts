import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import treeify, { type Tree } from 'object-treeify';
import type { ProblemDetails } from './errors';

/** Where a command writes: `out` for results (stdout), `err` for diagnostics and progress (stderr). */
export type Output = {
  /** `--json`: print the API's JSON, one document, instead of tables. */
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal: progress bars are drawn only there. */
  interactive: boolean;
};

/** The process's stdout and stderr. */
export function processOutput(json: boolean): Output {
  return {
    json,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: Boolean(process.stderr.isTTY),
  };
}

/** One JSON document, indented by 2 spaces. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value ?? null, null, 2));
}

/**
 * A table with a header row, drawn without colours so that it reads the same in a terminal, a
 * log and a test. Cells that are `undefined` print as empty.
 */
export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const drawn = new Table({ head: [...head], style: { head: [], border: [], compact: true } });
  for (const row of rows) drawn.push(row.map((cell) => (cell === undefined || cell === null ? '' : String(cell))));
  return drawn.toString();
}

/** A tree (service → instances…), in input order. */
export function tree(value: Tree): string {
  return treeify(value);
}

/**
 * A problem for a person: status, title and detail, then one line per `errors[]` entry (pointer and
 * detail), and any per-event `results` that failed.
 *
 * @example problemText(problem) // "422 Unprocessable Content: The document is invalid\n  /info/title  is missing"
 */
export function problemText(problem: ProblemDetails): string {
  const lines = [`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`];
  for (const entry of problem.errors ?? []) lines.push(`  ${entry.pointer || '/'}  ${entry.detail}`);
  const results = Array.isArray(problem.results)
    ? (problem.results as { index: number; status: string; detail?: string }[])
    : [];
  for (const result of results.filter((r) => r.status !== 'published' && r.status !== 'duplicate')) {
    lines.push(`  event ${result.index}: ${result.status}${result.detail ? ` — ${result.detail}` : ''}`);
  }
  return lines.join('\n');
}

/** A progress bar on stderr (drawn only when it is a terminal); `tick` advances it by one. */
export function progress(
  output: Output,
  total: number,
  label: string,
): { tick: (name: string) => void; stop: () => void } {
  if (!output.interactive || output.json) return { tick: () => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {name}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0, { name: '' });
  return { tick: (name) => bar.increment(1, { name }), stop: () => bar.stop() };
}
