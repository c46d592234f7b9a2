// iam:GetRole, for role specs that name a role without its account.
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { callDeadline, sdkClientConfig, type AwsClientOptions } from './aws-client.js';
import { IamError, toStsError } from './sts-error.js';
import type { IamGateway, IamRole } from '../roles/resolver.js';

export class AwsIamGateway implements IamGateway {
  private readonly client: IAMClient;

  constructor(private readonly options: AwsClientOptions = {}) {
    this.client = new IAMClient(sdkClientConfig(options));
  }

  async getRole(name: string): Promise<IamRole> {
    let answer;
    try {
      answer = await this.client.send(new GetRoleCommand({ RoleName: name }), { abortSignal: callDeadline(this.options) });
    } catch (error) {
      throw toStsError(error, IamError);
    }
    const role = answer.Role;
    if (role?.Arn === undefined || role.RoleId === undefined) {
      throw new IamError(503, 'IncompleteResponse', `GetRole ${name} answered without the role's ARN`);
    }
    return { arn: role.Arn, roleId: role.RoleId };
  }

  close(): void {
    this.client.destroy();
  }
}
