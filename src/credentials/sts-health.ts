// Remembers whether STS has answered, for /readyz: "reachable once" is the readiness bar, since a later
// outage is what the cache's stale-on-error serving is for.
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { StsGateway } from './types.js';
import { ProxyError } from '../core/errors.js';

export class StsHealth implements StsGateway {
  private succeeded = false;
  private lastError: string | undefined;

  constructor(private readonly inner: StsGateway) {}

  async assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials> {
    try {
      const credentials = await this.inner.assumeRole(request);
      this.succeeded = true;
      this.lastError = undefined;
      return credentials;
    } catch (error) {
      // A refused role (404-class) is still an answer: STS is reachable.
      if (error instanceof ProxyError && error.status === 404) this.succeeded = true;
      this.lastError = (error as Error).message;
      throw error;
    }
  }

  check(): { ok: boolean; detail: string } {
    if (this.succeeded) return { ok: true, detail: this.lastError === undefined ? 'answered' : `answered before; last error: ${this.lastError}` };
    if (this.lastError !== undefined) return { ok: false, detail: `never answered: ${this.lastError}` };
    return { ok: true, detail: 'not needed yet' };
  }
}
