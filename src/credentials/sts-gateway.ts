// AssumeRole through the real AWS SDK. Every failure leaves as an StsError (404 or 503).
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { callDeadline, sdkClientConfig, type AwsClientOptions } from './aws-client.js';
import { StsError, toStsError } from './sts-error.js';
import type { AssumeRoleRequest, AwsCredentials, StsGateway } from './types.js';

export class AwsStsGateway implements StsGateway {
  private readonly client: STSClient;

  constructor(private readonly options: AwsClientOptions = {}) {
    this.client = new STSClient(sdkClientConfig(options));
  }

  async assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials> {
    const command = new AssumeRoleCommand({
      RoleArn: request.roleArn,
      RoleSessionName: request.sessionName,
      DurationSeconds: request.durationSeconds,
      ...(request.externalId !== undefined && { ExternalId: request.externalId }),
      ...(request.policy !== undefined && { Policy: request.policy }),
      ...(request.tags !== undefined && { Tags: request.tags.map(({ key, value }) => ({ Key: key, Value: value })) }),
      ...(request.transitiveTagKeys !== undefined && { TransitiveTagKeys: [...request.transitiveTagKeys] }),
      ...(request.sourceIdentity !== undefined && { SourceIdentity: request.sourceIdentity }),
    });
    let answer;
    try {
      answer = await this.client.send(command, { abortSignal: callDeadline(this.options) });
    } catch (error) {
      throw toStsError(error);
    }
    const credentials = answer.Credentials;
    if (
      credentials?.AccessKeyId === undefined ||
      credentials.SecretAccessKey === undefined ||
      credentials.SessionToken === undefined ||
      credentials.Expiration === undefined
    ) {
      throw new StsError(503, 'IncompleteResponse', 'AssumeRole answered without complete credentials');
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    };
  }

  close(): void {
    this.client.destroy();
  }
}
