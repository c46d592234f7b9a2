// The errors of the proxy, one family: each carries the status a caller is answered with and a stable
// code that tests, logs and container-credentials answers match on, never the message. Errors of other
// kinds reaching a request are the proxy's own failure: 500 (server/, imds/failure-status.ts).

export class ProxyError extends Error {
  constructor(
    /** What a caller is answered: 404 (this role cannot be had), 503 (try again later), 500. */
    readonly status: number,
    /** Stable name of the failure (`InvalidRoleSpec`, or AWS's own code for STS and IAM refusals). */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A setting that parsed but cannot be used (an unreadable mapping or key file, a port in use): start-up
 * stops with the message as its one line, exit status 2.
 */
export class SettingError extends ProxyError {
  constructor(message: string) {
    super(500, 'InvalidSetting', message);
  }
}

/**
 * A value as written (a setting, a mapping-file entry, a container's label or environment) that cannot be
 * used. The message says why and never quotes the value, which may be a secret.
 */
export class InvalidValueError extends ProxyError {
  constructor(message: string) {
    super(500, 'InvalidValue', message);
  }
}
