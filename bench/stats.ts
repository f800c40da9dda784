/** Small statistics and formatting helpers shared by the benchmarks. */

/**
 * The q-quantile (0 ≤ q ≤ 1) of a sample, by linear interpolation between closest ranks.
 *
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/** The median of a sample. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Formats a ratio with two decimals, e.g. `1.23×`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

/** Formats a byte count as KB (1 KB = 1000 bytes, as bundle sizes are usually quoted). */
export function formatKb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** Formats nanoseconds as milliseconds with one decimal. */
export function formatMs(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`;
}

/** Formats nanoseconds as microseconds with two decimals. */
export function formatUs(ns: number): string {
  return `${(ns / 1e3).toFixed(2)} µs`;
}

/** Formats an operations-per-second rate, e.g. `1.25 M ops/s`. */
export function formatOps(opsPerSecond: number): string {
  if (opsPerSecond >= 1e6) return `${(opsPerSecond / 1e6).toFixed(2)} M ops/s`;
  if (opsPerSecond >= 1e3) return `${(opsPerSecond / 1e3).toFixed(1)} k ops/s`;
  return `${opsPerSecond.toFixed(0)} ops/s`;
}

/**
 * Renders a markdown table.
 *
 * @example markdownTable(['a', 'b'], [['1', '2']]) // '| a | b |\n| --- | --- |\n| 1 | 2 |'
 */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One row of the final summary: a measured ratio (or value) against its target. */
export type TargetRow = { metric: string; measured: string; target: string; met: boolean | undefined };

/** Renders summary rows as the markdown table of the bench's summary (bench/RESULTS.md). */
export function targetTable(rows: readonly TargetRow[]): string {
  return markdownTable(
    ['metric', 'measured', 'target', 'met?'],
    rows.map((row) => [row.metric, row.measured, row.target, row.met === undefined ? 'n/a' : row.met ? 'yes' : 'no']),
  );
}
