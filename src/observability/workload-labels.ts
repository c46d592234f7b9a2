// COPY_DOCKER_LABELS / COPY_DOCKER_ENV: container labels and env values copied onto request metrics as
// `container_<name lower-cased>` (go-metadataproxy's naming). The names are fixed at start-up, as
// Prometheus needs; a value is computed once per workload.

/** What observability reads of a caller's workload (identity/workload.ts): names, labels and environment. */
export interface ObservedWorkload {
  readonly name: string;
  readonly service?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
}

export interface WorkloadLabels {
  /** Label names, in order; empty when nothing is copied. */
  readonly names: readonly string[];
  /** The values for `names` ('' where the workload has none), cached per workload. */
  values(workload: ObservedWorkload | undefined): readonly string[];
  /** `values` joined into one map key. */
  key(workload: ObservedWorkload | undefined): string;
}

interface Copied {
  name: string;
  from: 'labels' | 'env';
  key: string;
}

export function workloadLabels(copyDockerLabels: readonly string[], copyDockerEnv: readonly string[]): WorkloadLabels {
  const copied: Copied[] = [];
  const add = (from: Copied['from'], key: string) => {
    const name = `container_${key.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
    if (key !== '' && !copied.some((c) => c.name === name)) copied.push({ name, from, key });
  };
  copyDockerLabels.forEach((key) => add('labels', key));
  copyDockerEnv.forEach((key) => add('env', key));

  const none = { values: copied.map(() => ''), key: '' };
  const cache = new WeakMap<ObservedWorkload, { values: string[]; key: string }>();
  const of = (workload: ObservedWorkload | undefined) => {
    if (workload === undefined || copied.length === 0) return none;
    let entry = cache.get(workload);
    if (entry === undefined) {
      const values = copied.map((c) => workload[c.from]?.[c.key] ?? '');
      entry = { values, key: values.join('\0') };
      cache.set(workload, entry);
    }
    return entry;
  };
  return {
    names: copied.map((c) => c.name),
    values: (workload) => of(workload).values,
    key: (workload) => of(workload).key,
  };
}
