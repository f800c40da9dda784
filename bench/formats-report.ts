import { LAZY_LOADED_PACKAGES } from '../functions/manifest';
import { benchCodecThroughput, bytesPerFormat, type CodecBenchOptions, samplePayloads } from './codecs';
import { type BuiltArm, formatGlueBytes, inlinedArmName, lazyPackagesInstalledBytes } from './cold-start';
import { formatKb, formatMs, formatOps, formatRatio, markdownTable, type TargetRow } from './stats';

/** Where a section writes: its lines, and its rows of the final summary. */
export type Report = { log: (text?: string) => void; rows: TargetRow[] };

/**
 * The lazily loaded libraries' cost per function (binary formats, JSONata): bundle and init with their libraries bundled in (before)
 * and as deployed (loaded from node_modules on first use), measured side by side in the cold-start
 * rounds above; and the formats' own code that stays in the bundle.
 */
export function reportLazyFormats(report: Report, built: BuiltArm[], initOf: (name: string) => number): void {
  const { log, rows } = report;
  log('### Lazily loaded libraries (binary formats, JSONata): bundled (before) vs loaded on first use (as deployed)');
  log();
  const byName = new Map(built.map((arm) => [arm.name, arm]));
  const table: string[][] = [];
  for (const arm of built.filter((a) => a.kind === 'function')) {
    const before = byName.get(inlinedArmName(arm.name));
    if (!before) continue;
    const initRatio = initOf(arm.name) / initOf(before.name);
    table.push([
      arm.name,
      formatKb(before.bytes),
      formatKb(arm.bytes),
      formatKb(formatGlueBytes(arm)),
      formatMs(initOf(before.name)),
      formatMs(initOf(arm.name)),
      formatRatio(initRatio),
    ]);
    rows.push(
      {
        metric: `${arm.name}: bundle as deployed ÷ with the lazily loaded libraries bundled`,
        measured: formatRatio(arm.bytes / before.bytes),
        target: '< 1',
        met: arm.bytes < before.bytes,
      },
      {
        metric: `${arm.name}: init as deployed ÷ with the lazily loaded libraries bundled`,
        measured: formatRatio(initRatio),
        target: '≤ 1.02 (no growth beyond noise)',
        met: initRatio <= 1.02,
      },
    );
  }
  log(
    markdownTable(
      [
        'function',
        'bundle, libraries bundled',
        'bundle as deployed',
        "formats' own code in it",
        'init p50, bundled',
        'init p50, deployed',
        'deployed ÷ bundled',
      ],
      table,
    ),
  );
  log();
  log(
    `The libraries (${LAZY_LOADED_PACKAGES.join(', ')} and their dependencies) ship unbundled beside each HTTP and ` +
      `queue function: ${formatKb(lazyPackagesInstalledBytes())} installed, read only when a body in their format arrives.`,
  );
  log();
}

/**
 * Section 5: bytes per format for the walkthrough's bodies, and each codec's round trip
 * against its library called directly (target ≥ 0.9 on the worst payload).
 */
export async function reportFormats(report: Report, root: string, options: CodecBenchOptions): Promise<void> {
  const { log, rows } = report;
  log('## 5. Formats');
  log();
  const payloads = samplePayloads(root);
  const sizes = await bytesPerFormat(payloads);
  const labels = Object.keys(sizes[0]?.bytes ?? {});
  log("Bytes per format for the walkthrough's bodies (as our codecs encode them):");
  log();
  log(
    markdownTable(
      ['payload', ...labels],
      sizes.map((row) => [
        row.payload,
        ...labels.map((label) => {
          const bytes = row.bytes[label] ?? 0;
          const json = row.bytes.JSON ?? bytes;
          return label === 'JSON' ? String(bytes) : `${bytes} (${formatRatio(bytes / json)})`;
        }),
      ]),
    ),
  );
  log();
  log(
    'Codec round trip (decode with bounds and JSON-model mapping, then encode) vs the library called directly ' +
      `on the same bytes; ${options.rounds} interleaved batches of ~${options.batchMs} ms per arm, medians.`,
  );
  log();
  const results = await benchCodecThroughput(payloads, options);
  log(
    markdownTable(
      ['format', 'payload', 'ours', 'library direct', 'ours ÷ library'],
      results.map((r) => [
        r.format,
        r.payload,
        formatOps(r.oursOpsPerSecond),
        formatOps(r.libraryOpsPerSecond),
        formatRatio(r.ratio),
      ]),
    ),
  );
  log();
  const byFormat = new Map<string, number[]>();
  for (const r of results) byFormat.set(r.format, [...(byFormat.get(r.format) ?? []), r.ratio]);
  for (const [format, ratios] of byFormat) {
    const worst = Math.min(...ratios);
    rows.push({
      metric: `${format} codec throughput ÷ library (worst payload)`,
      measured: formatRatio(worst),
      target: '≥ 0.9',
      met: worst >= 0.9,
    });
  }
}
