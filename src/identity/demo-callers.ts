// The embedded default behind `npm start`: two sample callers on loopback addresses (config/effective.ts
// adds mock metadata and offline STS), so the proxy can be tried on a laptop with no AWS account and no Docker.
import { DEMO_ACCOUNT } from '../config/effective.js';
import type { Workload } from './workload.js';

export const demoCallers: ReadonlyArray<[string, Workload]> = [
  ['127.0.0.2', { id: 'demo-reader', name: 'demo-reader', source: 'demo', role: { spec: `demo-reader@${DEMO_ACCOUNT}` } }],
  ['127.0.0.3', { id: 'demo-writer', name: 'demo-writer', source: 'demo', role: { spec: `demo-writer@${DEMO_ACCOUNT}` } }],
];

export function demoInstructions(url: string): string {
  const lines = ['Demo callers (bind the source address with curl --interface):'];
  for (const [ip, workload] of demoCallers) {
    const role = workload.role!.spec.split('@')[0];
    lines.push(`  curl --interface ${ip} ${url}/latest/meta-data/iam/security-credentials/`);
    lines.push(`  curl --interface ${ip} ${url}/latest/meta-data/iam/security-credentials/${role}`);
  }
  lines.push(`  curl --interface 127.0.0.9 ${url}/latest/meta-data/iam/security-credentials/   # unknown caller: 404`);
  lines.push(`  curl ${url}/latest/meta-data/instance-id   # mock metadata`);
  return lines.join('\n');
}
