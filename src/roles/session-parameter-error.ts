// A workload's session tags, SourceIdentity or duration break STS's rules. Carries 404, as a role that
// cannot be had does: the request is never sent, and the reason is logged instead.
export class SessionParameterError extends Error {
  readonly status = 404;
  readonly code = 'InvalidSessionParameters';

  constructor(workloadName: string, reason: string) {
    super(`${workloadName}: ${reason}`);
    this.name = 'SessionParameterError';
  }
}
