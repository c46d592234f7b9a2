// Bench knobs, from the environment so `npm run bench` needs no arguments and a quick run is one variable away.
import { resolve } from 'node:path';

export interface BenchSettings {
  /** Seconds of measured load per side and scenario (split into interleaved slices). */
  durationS: number;
  /** Seconds of unmeasured load on each server before its first measurement. */
  warmupS: number;
  /** Measured slices per side; baseline and ours alternate slice by slice. */
  slices: number;
  /** Sections to run (all by default). */
  sections: ReadonlySet<SectionName>;
  /** Whole-run watchdog: past it, every child is stopped and the run fails. */
  deadlineS: number;
  /** BENCH_PROFILE: folder where the proxy and the baseline under the throughput load write V8 CPU profiles. */
  profileDir?: string;
  /** CPU for servers and CPU for load generators, when the machine has two or more. */
  serverCpu?: number;
  loadCpu?: number;
}

export const sectionNames = ['throughput', 'isolation', 'scale', 'sts', 'cold-start'] as const;
export type SectionName = (typeof sectionNames)[number];

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds, got "${raw}"`);
  return value;
}

function sections(): ReadonlySet<SectionName> {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw === '') return new Set(sectionNames);
  const wanted = raw.split(',').map((s) => s.trim());
  const unknown = wanted.filter((s) => !(sectionNames as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(', ')}; expected ${sectionNames.join(', ')}`);
  return new Set(wanted as SectionName[]);
}

export function readSettings(cpuCount: number): BenchSettings {
  const durationS = positiveNumber('BENCH_DURATION', 10);
  const pinned = cpuCount >= 2 && process.env.BENCH_PIN !== 'false';
  return {
    durationS,
    warmupS: positiveNumber('BENCH_WARMUP', Math.min(1, durationS)),
    slices: Math.max(1, Math.min(5, Math.floor(durationS))),
    sections: sections(),
    deadlineS: positiveNumber('BENCH_DEADLINE', 360),
    ...(process.env.BENCH_PROFILE ? { profileDir: resolve(process.env.BENCH_PROFILE) } : {}),
    ...(pinned ? { serverCpu: 0, loadCpu: 1 } : {}),
  };
}
