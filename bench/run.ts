// `npm run bench`: every section in turn, one table on stdout, the same in bench/results.json.
// Bounded: each section is bounded by its own durations, and a watchdog stops everything at BENCH_DEADLINE,
// still printing what was measured by then.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { describeMachine, type MachineInfo } from './machine.js';
import { killAllStarted, WorkerProcess } from './processes.js';
import { formatTable, row, type Row, type SectionResult } from './report.js';
import { readSettings, type BenchSettings, type SectionName } from './settings.js';
import { throughputSection } from './throughput.js';
import { noisyNeighbourSection } from './noisy-neighbour.js';
import { scaleSection } from './scale.js';
import { stsEconomySection } from './sts-economy.js';
import { coldStartSection } from './cold-start.js';

const RESULTS_PATH = new URL('../../bench/results.json', import.meta.url).pathname;

const sections: Record<SectionName, (context: BenchContext) => Promise<SectionResult>> = {
  throughput: throughputSection,
  isolation: noisyNeighbourSection,
  scale: scaleSection,
  sts: stsEconomySection,
  'cold-start': coldStartSection,
};

/** Everything measured so far. */
interface Collected {
  rows: Row[];
  notes: string[];
  data: Record<string, unknown>;
}

function publish(collected: Collected, machine: MachineInfo, settings: BenchSettings, elapsedS: number): void {
  const pinning = settings.serverCpu === undefined ? 'not pinned' : `servers on CPU ${settings.serverCpu}, load generator on CPU ${settings.loadCpu}`;
  console.log(formatTable(collected.rows));
  for (const note of collected.notes) console.log(`note: ${note}`);
  console.log(
    `machine: ${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.platform}, Node ${machine.node}; ${pinning}; ` +
      `${settings.durationS} s per side in ${settings.slices} interleaved slices, ${settings.warmupS} s warm-up; run took ${elapsedS.toFixed(0)} s`,
  );
  const json = { date: new Date().toISOString(), machine, settings: { ...settings, sections: [...settings.sections] }, elapsedS, ...collected };
  writeFileSync(RESULTS_PATH, JSON.stringify(json, null, 2) + '\n');
  console.log(`results: ${RESULTS_PATH}`);
}

async function main(): Promise<number> {
  const machine = describeMachine();
  const settings = readSettings(machine.cpus);
  const started = performance.now();
  const collected: Collected = { rows: [], notes: [], data: {} };
  const workDir = mkdtempSync(join(os.tmpdir(), 'metadataproxy-bench-'));
  const watchdog = setTimeout(() => {
    collected.rows.push(row('bench', `stopped at BENCH_DEADLINE (${settings.deadlineS} s)`, { verdict: 'error' }));
    killAllStarted();
    rmSync(workDir, { recursive: true, force: true });
    publish(collected, machine, settings, (performance.now() - started) / 1000);
    process.exit(1);
  }, settings.deadlineS * 1000);
  watchdog.unref();

  const loadGenerator = WorkerProcess.start(new URL('./load-generator.js', import.meta.url).pathname, [], { cpu: settings.loadCpu });
  const context: BenchContext = { settings, workDir, loadGenerator };
  try {
    for (const name of settings.sections) {
      const sectionStart = performance.now();
      console.error(`bench: ${name}…`);
      try {
        const result = await sections[name](context);
        collected.rows.push(...result.rows);
        collected.notes.push(...result.notes.map((n) => `${name}: ${n}`));
        collected.data[name] = result.data;
      } catch (error) {
        collected.rows.push(row(name, 'section failed', { ours: (error as Error).message.split('\n')[0]!, verdict: 'error' }));
        collected.data[name] = { error: (error as Error).stack };
      }
      console.error(`bench: ${name} took ${((performance.now() - sectionStart) / 1000).toFixed(1)} s`);
    }
  } finally {
    await loadGenerator.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  publish(collected, machine, settings, (performance.now() - started) / 1000);
  return collected.rows.some((r) => r.verdict === 'error') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    killAllStarted();
    process.exit(1);
  },
);
