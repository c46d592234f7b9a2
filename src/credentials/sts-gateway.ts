// AssumeRole through the real AWS SDK. Every failure leaves as an StsError (404 or 503). GetCallerIdentity
// (whoAmI) checks the proxy's own credentials on the same client, so the endpoint it reports is the one in use.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { callDeadline, sdkClientConfig, type AwsClientOptions } from './aws-client.js';
import { StsError, toStsError } from './sts-error.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { StsGateway } from './types.js';
import type { CallerIdentity } from './own-identity.js';

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

  /** The proxy's own identity; a failure's message says which of credentials, STS's answer or the network failed. */
  async whoAmI(): Promise<CallerIdentity> {
    const command = new GetCallerIdentityCommand({});
    let endpoint = 'the STS endpoint';
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { protocol?: string; hostname?: string; port?: number };
        endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${request.port === undefined ? '' : `:${request.port}`}`;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'metadataproxyRecordEndpoint' },
    );
    let answer;
    try {
      answer = await this.client.send(command, { abortSignal: callDeadline(this.options) });
    } catch (error) {
      throw new Error(ownIdentityFailure(error, endpoint));
    }
    if (answer.Account === undefined || answer.Arn === undefined) throw new Error(`STS at ${endpoint} answered GetCallerIdentity without an account or ARN`);
    return { account: answer.Account, arn: answer.Arn, region: await this.client.config.region(), endpoint };
  }

  close(): void {
    this.client.destroy();
  }
}

function ownIdentityFailure(error: unknown, endpoint: string): string {
  const details = error as { name?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const { code, message } = toStsError(error);
  if (details?.name === 'CredentialsProviderError') return `no credentials: ${message}`;
  if (details?.$metadata?.httpStatusCode !== undefined) return `STS at ${endpoint} refused GetCallerIdentity: ${code}: ${message}`;
  const network = (error as { code?: string })?.code ?? details?.cause?.code;
  return `STS unreachable at ${endpoint}: ${network ?? code}${message === network ? '' : `: ${message}`}`;
}
