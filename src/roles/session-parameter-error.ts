// A workload's session tags, SourceIdentity or duration break STS's rules. Carries 404, as a role that
// cannot be had does: the request is never sent, and the reason is logged instead.
import { ProxyError } from '../core/errors.js';

export class SessionParameterError extends ProxyError {
  constructor(workloadName: string, reason: string) {
    super(404, 'InvalidSessionParameters', `${workloadName}: ${reason}`);
  }
}
