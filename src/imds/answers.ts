// IMDS answer bodies, byte for byte as EC2 writes them (two-space indent, " : " separators), so a client
// that worked against the real service sees no difference.
import { createHash } from 'node:crypto';
import type { AwsCredentials } from './aws-credentials.js';

/** IMDS timestamps: UTC, second precision, `YYYY-MM-DDTHH:MM:SSZ`. */
export function imdsTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19) + 'Z';
}

/** An IMDS JSON document (two-space indent, " : " separators): our credential and info bodies, and the mock's. */
export function imdsJson(fields: ReadonlyArray<readonly [string, string | null]>): string {
  const lines = fields.map(([key, value]) => `  ${JSON.stringify(key)} : ${JSON.stringify(value)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

export function credentialsBody(credentials: AwsCredentials, lastUpdated: Date): Buffer {
  return Buffer.from(
    imdsJson([
      ['Code', 'Success'],
      ['LastUpdated', imdsTimestamp(lastUpdated)],
      ['Type', 'AWS-HMAC'],
      ['AccessKeyId', credentials.accessKeyId],
      ['SecretAccessKey', credentials.secretAccessKey],
      ['Token', credentials.sessionToken],
      ['Expiration', imdsTimestamp(credentials.expiration)],
    ]),
  );
}

/**
 * The container-credentials answer (ECS/EKS protocol): compact JSON, Expiration in RFC 3339 as SDKs parse
 * it, plus the AccountId and RoleArn that newer SDKs record.
 */
export function containerCredentialsBody(credentials: AwsCredentials, roleArn: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      Token: credentials.sessionToken,
      Expiration: imdsTimestamp(credentials.expiration),
      AccountId: roleArn.split(':')[4],
      RoleArn: roleArn,
    }),
  );
}

/** Instance profile ARN of a role: same account and path, `instance-profile` instead of `role`. */
export function instanceProfileArn(roleArn: string): string {
  return roleArn.replace(/:role\//, ':instance-profile/');
}

/**
 * Containers have no instance profile; IMDS clients only check the id's shape, so it is derived from the
 * role ARN: stable across restarts and distinct per role.
 */
export function instanceProfileId(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'AIPA';
  for (let i = 0; id.length < 21; i++) id += alphabet[digest[i]! % 32];
  return id;
}

export function iamInfoBody(roleArn: string, lastUpdated: Date): Buffer {
  return Buffer.from(
    imdsJson([
      ['Code', 'Success'],
      ['LastUpdated', imdsTimestamp(lastUpdated)],
      ['InstanceProfileArn', instanceProfileArn(roleArn)],
      ['InstanceProfileId', instanceProfileId(roleArn)],
    ]),
  );
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  414: 'Request-URI Too Long',
  429: 'Too Many Requests',
};

/** IMDS answers errors with this XHTML page (the 404 one is the best known), so ours look the same. */
export function imdsErrorPage(status: number): Buffer {
  const title = `${status} - ${REASONS[status] ?? 'Error'}`;
  return Buffer.from(
    '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
      '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
      `<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n  <title>${title}</title>\n` +
      ` </head>\n <body>\n  <h1>${title}</h1>\n </body>\n</html>\n`,
  );
}

export const NOT_FOUND_PAGE = imdsErrorPage(404);
