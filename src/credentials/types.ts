// The one side effect the credential cache needs, in our own types rather than the SDK's.
import type { AwsCredentials } from '../imds/aws-credentials.js';
import type { AssumeRoleRequest } from '../roles/assume-request.js';

/** The one side effect the credential cache needs: AssumeRole (real STS or offline minting). */
export interface StsGateway {
  assumeRole(request: AssumeRoleRequest): Promise<AwsCredentials>;
}
