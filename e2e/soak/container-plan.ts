// Which container the churn starts next: a mix of roles (and no role), credentials of its own or shared
// with others of its role, the default bridge or a small user bridge where addresses are reused all the
// time, some of them on fixed addresses taken over by the next container as soon as the last one is gone.

export const SOAK_NETWORK = 'soak-net';
/** Dynamic addresses come from the /28 only (13 of them), so the churn reuses them within seconds. */
export const SOAK_SUBNET = '10.99.0.0/24';
export const SOAK_DYNAMIC_RANGE = '10.99.0.0/28';
export const FIXED_ADDRESSES = ['10.99.0.100', '10.99.0.101', '10.99.0.102', '10.99.0.103'];
export const CHURN_ROLES = ['soak-a', 'soak-b', 'soak-c', 'soak-d', 'soak-e', 'soak-f'];

export interface ContainerPlan {
  name: string;
  role: string | undefined;
  /** Its own AssumeRole session (a cache key of its own) rather than the one shared by its role. */
  ownSession: boolean;
  network: 'bridge' | typeof SOAK_NETWORK;
  /** A fixed address on SOAK_NETWORK, given back with `FixedAddresses.release` once the container is removed. */
  ip?: string;
  lifetimeMs: number;
}

export class FixedAddresses {
  private readonly free = [...FIXED_ADDRESSES];

  take(): string | undefined {
    return this.free.shift();
  }

  release(ip: string): void {
    this.free.push(ip);
  }
}

/** `random` returns [0, 1), like Math.random; a container's lifetime is 0.5-2.5 s. */
export function planContainer(name: string, random: () => number, fixed: FixedAddresses): ContainerPlan {
  const role = random() < 1 / 8 ? undefined : CHURN_ROLES[Math.floor(random() * CHURN_ROLES.length)];
  const ownSession = random() < 0.5;
  const where = random();
  const ip = where >= 2 / 3 ? fixed.take() : undefined;
  const network = where < 1 / 3 ? 'bridge' : SOAK_NETWORK;
  return { name, role, ownSession, network, ...(ip !== undefined && { ip }), lifetimeMs: 500 + Math.floor(random() * 2000) };
}
