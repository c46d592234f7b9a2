// What a container sees at the metadata address, and checks against what the fake STS issued.
import assert from 'node:assert/strict';
import { askMetadata, type MetadataAnswer } from './containers.js';
import type { ContainerCli } from './engine.js';
import type { LabAgent } from './agent-client.js';
import { TEST_ACCOUNT } from './proxy.js';

export const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';

export const roleArn = (name: string, account = TEST_ACCOUNT): string => `arn:aws:iam::${account}:role/${name}`;

export interface ImdsCredentials {
  Code: string;
  LastUpdated: string;
  Type: string;
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
}

function expectOk(answer: MetadataAnswer, what: string): string {
  assert.ok(answer.ok, `${what}: ${answer.error.trim() || 'no answer'}`);
  return answer.body;
}

/** The role name the proxy lists for the container (GET …/security-credentials/). */
export async function listedRole(engine: ContainerCli, id: string): Promise<string> {
  return expectOk(await askMetadata(engine, id, CREDENTIALS_PATH), 'role listing').trim();
}

export async function credentialsFor(engine: ContainerCli, id: string, role: string): Promise<ImdsCredentials> {
  return JSON.parse(expectOk(await askMetadata(engine, id, CREDENTIALS_PATH + role), `credentials of ${role}`)) as ImdsCredentials;
}

/** The request failed with HTTP 404 (busybox wget names the status on stderr). */
export function assertNotFound(answer: MetadataAnswer, what: string): void {
  assert.equal(answer.ok, false, `${what}: expected 404, got 200 with ${answer.body}`);
  assert.match(answer.error, /\b404\b/, what);
}

/** The key id the container received was issued by the fake STS for an AssumeRole of `arn`. */
export async function assertIssuedFor(agent: LabAgent, arn: string, accessKeyId: string): Promise<void> {
  const issued = (await agent.assumeRoleCalls(arn)).map((call) => call.issuedKeyId);
  assert.ok(issued.includes(accessKeyId), `${accessKeyId} was not issued for ${arn} (issued: ${issued.join(', ') || 'none'})`);
}

/** Role listing and credentials of one container, checked end to end: name, shape, issued for its ARN. */
export async function assertServedRole(
  engine: ContainerCli,
  agent: LabAgent,
  id: string,
  expected: { name: string; arn: string },
): Promise<ImdsCredentials> {
  assert.equal(await listedRole(engine, id), expected.name);
  const credentials = await credentialsFor(engine, id, expected.name);
  assert.equal(credentials.Code, 'Success');
  assert.equal(credentials.Type, 'AWS-HMAC');
  await assertIssuedFor(agent, expected.arn, credentials.AccessKeyId);
  return credentials;
}
