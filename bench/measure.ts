// Interleaved measurement: the machine is shared and noisy, so the sides being compared take turns in short
// slices (A B C, then C B A, …) and each side's figure is the median over its slices; latencies come from
// the merged histogram of all its slices; ratios between sides are medians of per-round ratios. The
// server's own CPU time is read from /proc around each slice:
// CPU per request is the figure least disturbed by noise, and a server below full CPU at high concurrency
// means the load generator, not the server, set the pace. CPU used by anyone else during a slice is noise
// and is reported as such.
import { LatencyHistogram } from './histogram.js';
import type { LoadResult } from './load-result.js';
import { cpuTimeMs, machineBusyMs } from './processes.js';

export interface MeasuredSide {
  name: string;
  /** Process whose CPU time is charged to this side. */
  serverPid: number;
  run(durationS: number): Promise<LoadResult>;
}

export interface SideFigures {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Server CPU time per answered request, microseconds. */
  cpuUsPerRequest: number;
  /** Share of one CPU the server used while measured. */
  serverCpuShare: number;
  /** CPUs' worth of time used by processes other than the server and the load generator: noise. */
  othersCpuShare: number;
  requests: number;
  non2xx: number;
  errors: number;
  sliceRequestsPerS: number[];
  sliceP99Ms: number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A per-slice figure of a side against a reference's: the median, over rounds, of the ratio of their slices
 * in that round. Slices of one round run within seconds of each other, so a change in machine speed (these
 * are shared machines) mostly cancels within each pair, and a slice that other processes disturbed counts
 * as one round of several, where a ratio of whole-run figures would carry it.
 */
function pairedRatio(side: readonly number[], reference: readonly number[]): number {
  return median(side.map((value, round) => value / reference[round]!));
}

export function throughputRatio(side: SideFigures, reference: SideFigures): number {
  return pairedRatio(side.sliceRequestsPerS, reference.sliceRequestsPerS);
}

export function p99Ratio(side: SideFigures, reference: SideFigures): number {
  return pairedRatio(side.sliceP99Ms, reference.sliceP99Ms);
}

export async function warmUp(sides: readonly MeasuredSide[], durationS: number): Promise<void> {
  for (const side of sides) await side.run(durationS);
}

export async function measureInterleaved(
  sides: readonly MeasuredSide[],
  loadGeneratorPid: number,
  slices: number,
  sliceS: number,
): Promise<Map<string, SideFigures>> {
  const acc = sides.map(() => ({ histogram: new LatencyHistogram(), rates: [] as number[], p99s: [] as number[], ok: 0, non2xx: 0, errors: 0, cpuMs: 0, othersMs: 0, windowS: 0 }));
  for (let round = 0; round < slices; round++) {
    const order = sides.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const side = sides[i]!;
      const a = acc[i]!;
      const before = { server: cpuTimeMs(side.serverPid), load: cpuTimeMs(loadGeneratorPid), machine: machineBusyMs(), at: performance.now() };
      const result = await side.run(sliceS);
      const serverMs = cpuTimeMs(side.serverPid) - before.server;
      a.cpuMs += serverMs;
      a.othersMs += machineBusyMs() - before.machine - serverMs - (cpuTimeMs(loadGeneratorPid) - before.load);
      a.windowS += (performance.now() - before.at) / 1000;
      a.histogram.add(result.latency);
      const slice = new LatencyHistogram();
      slice.add(result.latency);
      a.p99s.push(slice.percentileMs(0.99));
      a.rates.push(result.ok / result.elapsedS);
      a.ok += result.ok;
      a.non2xx += result.non2xx;
      a.errors += result.errors;
    }
  }
  return new Map(
    sides.map((side, i) => {
      const a = acc[i]!;
      const figures: SideFigures = {
        requestsPerS: median(a.rates),
        p50Ms: a.histogram.percentileMs(0.5),
        p99Ms: a.histogram.percentileMs(0.99),
        p999Ms: a.histogram.percentileMs(0.999),
        cpuUsPerRequest: a.ok === 0 ? NaN : (a.cpuMs * 1000) / a.ok,
        serverCpuShare: a.cpuMs / 1000 / a.windowS,
        othersCpuShare: Math.max(0, a.othersMs / 1000 / a.windowS),
        requests: a.ok,
        non2xx: a.non2xx,
        errors: a.errors,
        sliceRequestsPerS: a.rates,
        sliceP99Ms: a.p99s,
      };
      return [side.name, figures];
    }),
  );
}

/** Other processes using more than this share of a CPU during a measurement make it unreliable. */
const NOISE_CPU_SHARE = 0.1;

/** What makes a side's figures unreliable, for the notes under the table. */
export function qualityNotes(label: string, f: SideFigures, serverShouldBeSaturated: boolean): string[] {
  const notes: string[] = [];
  if (f.non2xx > 0 || f.errors > 0) notes.push(`${label}: ${f.non2xx} non-2xx, ${f.errors} errors`);
  if (f.othersCpuShare > NOISE_CPU_SHARE) notes.push(`${label}: other processes used ${f.othersCpuShare.toFixed(2)} CPUs meanwhile: figures disturbed`);
  if (serverShouldBeSaturated && f.serverCpuShare < 0.9) {
    notes.push(`${label}: server used ${(f.serverCpuShare * 100).toFixed(0)}% of a CPU: the load generator set the pace`);
  }
  return notes;
}
