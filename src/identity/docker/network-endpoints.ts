// Addresses that only a network's own endpoint list shows. A swarm task's packets to the host leave
// through docker_gwbridge, yet container inspect lists only the task's overlay networks
// (moby/libnetwork#1082); `GET /networks/docker_gwbridge` lists every endpoint, keyed by container id.
import { normalizeIp } from '../../core/ip-address.js';
import type { ContainerAddress } from './container-index.js';

/** The bridge Docker gives every swarm task (and attachable-overlay container) for traffic off the node. */
export const SWARM_GATEWAY_NETWORK = 'docker_gwbridge';

/** The parts of the engine's network inspect answer we read. */
export interface NetworkEndpointsJson {
  Id?: string;
  Containers?: Record<string, { IPv4Address?: string; IPv6Address?: string } | null> | null;
}

/** Container id → its addresses on these networks (`172.18.0.3/16` → `172.18.0.3`). */
export function endpointAddresses(networks: readonly NetworkEndpointsJson[]): Map<string, ContainerAddress[]> {
  const byContainer = new Map<string, ContainerAddress[]>();
  for (const network of networks) {
    for (const [id, endpoint] of Object.entries(network.Containers ?? {})) {
      for (const cidr of [endpoint?.IPv4Address, endpoint?.IPv6Address]) {
        const address = normalizeIp((cidr ?? '').split('/')[0]!);
        if (address === undefined) continue;
        const list = byContainer.get(id) ?? [];
        list.push({ address, network: network.Id ?? '' });
        byContainer.set(id, list);
      }
    }
  }
  return byContainer;
}
