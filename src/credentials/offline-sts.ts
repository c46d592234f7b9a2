// Credentials minted locally, for laptops and CI without AWS. They have the shapes SDKs check (ASIA… key
// id, 40-character secret, a base64 session token, an expiry) and are accepted by nothing in AWS.
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { Clock } from '../core/clock.js';
import type { StsGateway } from './types.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Real session tokens start this way (base64 of their binary header). */
const SESSION_TOKEN_PREFIX = 'IQoJb3JpZ2luX2Vj';
const SESSION_TOKEN_LENGTH = 1_024;
const DEFAULT_DURATION_SECONDS = 3_600;

export interface OfflineStsOptions {
  clock: Pick<Clock, 'now'>;
  /** Uniform in [0, 1). */
  random: () => number;
}

export class OfflineStsGateway implements StsGateway {
  constructor(private readonly options: OfflineStsOptions) {}

  async assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials> {
    const durationMs = (request.durationSeconds > 0 ? request.durationSeconds : DEFAULT_DURATION_SECONDS) * 1000;
    // Whole seconds, like STS: the IMDS Expiration then states the exact instant.
    const expiresAt = Math.floor((this.options.clock.now() + durationMs) / 1000) * 1000;
    return {
      accessKeyId: 'ASIA' + this.draw(BASE32, 16),
      secretAccessKey: this.draw(BASE64, 40),
      sessionToken: SESSION_TOKEN_PREFIX + this.draw(BASE64, SESSION_TOKEN_LENGTH - SESSION_TOKEN_PREFIX.length),
      expiration: new Date(expiresAt),
    };
  }

  private draw(alphabet: string, length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(this.options.random() * alphabet.length)];
    return text;
  }
}
