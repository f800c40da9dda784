import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BenchRun, machineNotes, renderResults, writeResults } from '../../../bench/results-file';
import { markdownTable, targetTable } from '../../../bench/stats';

// A small fake run: one section with a table, and the summary of targets.
const fakeRun: BenchRun = {
  date: new Date('2026-12-04T23:39:55.000Z'),
  node: 'v20.20.2',
  machine: {
    cpuModel: 'Test CPU',
    cpuCount: 2,
    totalMemoryBytes: 8 * 2 ** 30,
    os: 'linux/x64 6.1.0',
    loadAverage1m: 1.234,
  },
  durationSeconds: 81.26,
  body: [
    '## 6. Event bus',
    '',
    markdownTable(['events N', 'PutEvents calls'], [['11', '2']]),
    '',
    '## Summary',
    '',
    targetTable([{ metric: 'PutEvents calls for N = 11 events', measured: '2', target: 'ceil(N / 10): 2', met: true }]),
    '',
  ].join('\n'),
};

describe('renderResults', () => {
  it('heads the tables with the date, Node.js version and machine notes, then holds them as printed', () => {
    // Act
    const text = renderResults(fakeRun);

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toBe('# Benchmark results');
    expect(text).toContain(
      'Measured 2026-12-04T23:39:55.000Z with Node.js v20.20.2 on 2 × Test CPU, 8.0 GiB, linux/x64 6.1.0; load average 1.23 at the end of a 81.3 s run.',
    );
    expect(text).toContain('| events N | PutEvents calls |\n| --- | --- |\n| 11 | 2 |');
    expect(text).toContain('| PutEvents calls for N = 11 events | 2 | ceil(N / 10): 2 | yes |');
    expect(text.indexOf('## 6. Event bus')).toBeLessThan(text.indexOf('## Summary'));
    expect(text.endsWith('|\n')).toBe(true);
  });
});

describe('writeResults', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file with the rendered results', () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const path = join(dir, 'RESULTS.md');
    writeResults(path, { ...fakeRun, body: '## old' });

    // Act
    writeResults(path, fakeRun);

    // Assess
    const written = readFileSync(path, 'utf8');
    expect(written).toBe(renderResults(fakeRun));
    expect(written).not.toContain('## old');
  });
});

describe('machineNotes', () => {
  it("describes this machine's processors, memory and OS", () => {
    // Act
    const notes = machineNotes();

    // Assess
    expect(notes.cpuCount).toBeGreaterThan(0);
    expect(notes.totalMemoryBytes).toBeGreaterThan(0);
    expect(notes.os).toMatch(/^\w+\/\w+ /);
  });
});
