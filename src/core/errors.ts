// The errors of the proxy, one family.

/** A setting that parsed but cannot be used (an unreadable mapping or key file, a port in use): start-up stops, exit status 2. */
export class SettingError extends Error {}
