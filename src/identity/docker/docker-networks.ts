// Which addresses belong to Docker networks. A lookup miss for such an address is worth waiting for (the
// container may be newer than our index); any other address is answered at once. Gateways are the host
// itself, never a container.
import { BlockList } from 'node:net';
import { normalizeIp } from '../../core/ip-address.js';

export interface NetworkJson {
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null } | null;
}

export class DockerSubnets {
  private readonly subnets = new BlockList();
  private readonly gateways = new Set<string>();

  constructor(networks: readonly NetworkJson[] = []) {
    for (const config of networks.flatMap((network) => network.IPAM?.Config ?? [])) {
      const [base, prefix] = (config.Subnet ?? '').split('/');
      const address = normalizeIp(base ?? '');
      if (address !== undefined && /^\d{1,3}$/.test(prefix ?? '')) {
        const family = address.includes(':') ? 'ipv6' : 'ipv4';
        if (Number(prefix) <= (family === 'ipv6' ? 128 : 32)) this.subnets.addSubnet(address, Number(prefix), family);
      }
      const gateway = normalizeIp(config.Gateway ?? '');
      if (gateway !== undefined) this.gateways.add(gateway);
    }
  }

  /** True for a container address (in some network's subnet, not its gateway). */
  contains(ip: string): boolean {
    if (this.gateways.has(ip)) return false;
    return this.subnets.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
  }
}
