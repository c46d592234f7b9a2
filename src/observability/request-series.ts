// One series per (handler, status, copied container labels), built once and then found with three map
// reads and no allocation: this runs on every request.
import type { RequestHandlerName } from './metrics.js';
import type { ObservedWorkload, WorkloadLabels } from './workload-labels.js';

export type SeriesLookup<T> = (handler: RequestHandlerName, status: number, workload: ObservedWorkload | undefined) => T;

export function requestSeries<T>(
  labels: WorkloadLabels,
  make: (handler: RequestHandlerName, status: number, labelValues: readonly string[]) => T,
): SeriesLookup<T> {
  const byHandler = new Map<RequestHandlerName, Map<number, Map<string, T>>>();
  return (handler, status, workload) => {
    let byStatus = byHandler.get(handler);
    if (byStatus === undefined) byHandler.set(handler, (byStatus = new Map()));
    let byWorkload = byStatus.get(status);
    if (byWorkload === undefined) byStatus.set(status, (byWorkload = new Map()));
    const key = labels.key(workload);
    let series = byWorkload.get(key);
    if (series === undefined) byWorkload.set(key, (series = make(handler, status, labels.values(workload))));
    return series;
  };
}
