import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** Where `npm run bench` writes its results, relative to the repository root. */
export const RESULTS_PATH = 'bench/RESULTS.md';

/** The machine a run measured on: what makes its absolute times comparable, or not. */
export type MachineNotes = {
  /** e.g. `Intel(R) Xeon(R) Processor` */
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  /** `platform/arch kernel`, e.g. `linux/x64 6.1.0` */
  os: string;
  /** The 1-minute load average when the run ended (other work on the machine skews absolute times). */
  loadAverage1m: number;
};

/** One bench run as RESULTS.md records it. */
export type BenchRun = {
  /** When the run ended. */
  date: Date;
  /** `process.version`, e.g. `v20.20.2` */
  node: string;
  machine: MachineNotes;
  durationSeconds: number;
  /** Everything the run printed below its title: markdown sections, tables and notes. */
  body: string;
};

/** The notes of this machine, from `node:os`. */
export function machineNotes(): MachineNotes {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cpuCount: processors.length,
    totalMemoryBytes: totalmem(),
    os: `${platform()}/${arch()} ${release()}`,
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

/**
 * RESULTS.md for one run: a title, when and where it was measured (UTC date, Node.js version, CPU
 * model and count, memory in GiB, OS, load average), then the run's own output.
 *
 * @returns the file's text, ending with one newline
 * @example renderResults({ date: new Date('2026-12-04T23:39:55Z'), node: 'v20.20.2', machine, durationSeconds: 81.3, body: '## 1. …' })
 */
export function renderResults(run: BenchRun): string {
  const { machine } = run;
  const memoryGiB = (machine.totalMemoryBytes / 2 ** 30).toFixed(1);
  return [
    '# Benchmark results',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts): run it again to replace this file. -->',
    '',
    `Measured ${run.date.toISOString()} with Node.js ${run.node} on ${machine.cpuCount} × ${machine.cpuModel}, ` +
      `${memoryGiB} GiB, ${machine.os}; load average ${machine.loadAverage1m.toFixed(2)} at the end of a ` +
      `${run.durationSeconds.toFixed(1)} s run. Absolute times depend on the machine and on what else ran; ` +
      'the targets are ratios of arms measured side by side and exact counts. What each measure means: ' +
      '[docs/performance.md](../docs/performance.md).',
    '',
    run.body.trim(),
    '',
  ].join('\n');
}

/**
 * Writes {@link renderResults} of `run` to `path`, replacing the file.
 *
 * @throws {Error} when the file cannot be written (the caller reports it; the bench still exits 0)
 */
export function writeResults(path: string, run: BenchRun): void {
  writeFileSync(path, renderResults(run));
}
