// STS and IAM on 127.0.0.1, speaking the AWS Query protocol the installed SDK sends (form-encoded POST,
// XML answers shaped as AWS writes them), so the real @aws-sdk/client-sts and client-iam talk to it.
// It records and counts calls and can fail, throttle, delay, stop answering and choose the expiry it hands out.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  action: string;
  /** Every form parameter as sent (RoleArn, RoleSessionName, ExternalId, Policy, DurationSeconds, RoleName…). */
  params: Record<string, string>;
  /** From the SigV4 credential scope. */
  service?: string;
  region?: string;
  accessKeyId?: string;
}

/** The session parameters of a recorded AssumeRole, read back from the form as STS reads them. */
export interface SentSession {
  tags: Array<{ key: string; value: string }>;
  transitiveTagKeys: string[];
  sourceIdentity?: string;
  durationSeconds?: number;
}

/** `Tags.member.N.Key`/`.Value`, `TransitiveTagKeys.member.N`, `SourceIdentity`, `DurationSeconds`, in member order. */
export function sentSession(params: Readonly<Record<string, string>>): SentSession {
  const members = (prefix: string): string[] => {
    const found: string[] = [];
    for (let n = 1; params[`${prefix}.member.${n}`] !== undefined || params[`${prefix}.member.${n}.Key`] !== undefined; n++) found.push(`${prefix}.member.${n}`);
    return found;
  };
  return {
    tags: members('Tags').map((m) => ({ key: params[`${m}.Key`]!, value: params[`${m}.Value`] ?? '' })),
    transitiveTagKeys: members('TransitiveTagKeys').map((m) => params[m]!),
    ...(params.SourceIdentity !== undefined && { sourceIdentity: params.SourceIdentity }),
    ...(params.DurationSeconds !== undefined && { durationSeconds: Number(params.DurationSeconds) }),
  };
}

export interface FakeAwsFailure {
  status: number;
  code: string;
  message?: string;
  type?: 'Sender' | 'Receiver';
}

export interface FakeAwsOptions {
  /** Clock of the credentials' expiry; Date.now by default. */
  now?: () => number;
}

const NAMESPACES: Record<string, string> = {
  AssumeRole: 'https://sts.amazonaws.com/doc/2011-06-15/',
  GetCallerIdentity: 'https://sts.amazonaws.com/doc/2011-06-15/',
  GetRole: 'https://iam.amazonaws.com/doc/2010-05-08/',
};
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
// STS's own limits, so a request our checks let through and STS would refuse fails here too.
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const SOURCE_IDENTITY = /^(?!aws:)[\w+=,.@-]{2,64}$/i;

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function awsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomChars(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

export class FakeAws {
  readonly calls: RecordedCall[] = [];
  /** Added to every answer, in ms. */
  delayMs = 0;
  /** Expiry of issued credentials; default: now + DurationSeconds (3600 when not sent). */
  expiry: (call: RecordedCall, now: number) => number = (call, now) => now + Number(call.params.DurationSeconds ?? 3600) * 1000;
  /** Who GetCallerIdentity says the caller is; the UserId is the signing access key id. */
  callerIdentity = { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/metadataproxy' };
  private failures: Array<{ failure: FakeAwsFailure; remaining: number }> = [];
  /** Requests held unanswered while unreachable; `reachable()` drops their connections. */
  private readonly unanswered = new Set<ServerResponse>();
  private silent = false;
  /** Role name → ARN, for GetRole. */
  private readonly roles = new Map<string, string>();
  private readonly now: () => number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakeAwsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    let fake: FakeAws | undefined;
    const server = createServer((req, res) => fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeAws(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return fake;
  }

  count(action?: string): number {
    return action === undefined ? this.calls.length : this.calls.filter((c) => c.action === action).length;
  }

  /** Answer the next `times` calls with this error (all calls until clearFailures() by default). */
  failWith(failure: FakeAwsFailure, times = Infinity): void {
    this.failures.push({ failure, remaining: times });
  }

  throttle(times = Infinity): void {
    this.failWith({ status: 400, code: 'Throttling', message: 'Rate exceeded' }, times);
  }

  clearFailures(): void {
    this.failures = [];
  }

  /** STS down or cut off: calls are recorded but never answered, until `reachable()`. */
  unreachable(): void {
    this.silent = true;
  }

  /** Answers again; the calls held meanwhile lose their connection, as a timed-out client would. */
  reachable(): void {
    this.silent = false;
    for (const res of this.unanswered) res.destroy();
    this.unanswered.clear();
  }

  addRole(arn: string): void {
    const match = ROLE_ARN.exec(arn);
    if (match === null) throw new Error(`not a role ARN: ${arn}`);
    this.roles.set(match[2]!, arn);
  }

  reset(): void {
    this.calls.length = 0;
    this.clearFailures();
    this.delayMs = 0;
  }

  async close(): Promise<void> {
    this.reachable();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const params = Object.fromEntries(new URLSearchParams(body));
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(req.headers.authorization ?? '');
    const call: RecordedCall = {
      action: params.Action ?? '',
      params,
      ...(scope !== null && { accessKeyId: scope[1]!, region: scope[2]!, service: scope[3]! }),
    };
    this.calls.push(call);
    if (this.silent) {
      this.unanswered.add(res);
      res.once('close', () => this.unanswered.delete(res));
      return;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const namespace = NAMESPACES[call.action] ?? NAMESPACES.AssumeRole!;
    const answer = req.method !== 'POST' ? this.error(namespace, { status: 400, code: 'InvalidAction', message: 'Query requests are POSTed' }) : this.answer(call, namespace);
    if (res.destroyed) return;
    res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': answer.requestId });
    res.end(answer.xml);
  }

  private answer(call: RecordedCall, namespace: string): { status: number; xml: string; requestId: string } {
    const injected = this.failures.find((f) => f.remaining > 0);
    if (injected !== undefined) {
      injected.remaining--;
      return this.error(namespace, injected.failure);
    }
    switch (call.action) {
      case 'AssumeRole':
        return this.assumeRole(call, namespace);
      case 'GetRole':
        return this.getRole(call, namespace);
      case 'GetCallerIdentity':
        return this.success(
          'GetCallerIdentity',
          namespace,
          `<Arn>${xmlEscape(this.callerIdentity.arn)}</Arn><UserId>${xmlEscape(call.accessKeyId ?? 'AIDAUNKNOWN')}</UserId>` +
            `<Account>${this.callerIdentity.account}</Account>`,
        );
      default:
        return this.error(namespace, { status: 400, code: 'InvalidAction', message: `Could not find operation ${call.action}` });
    }
  }

  private assumeRole(call: RecordedCall, namespace: string) {
    const { RoleArn = '', RoleSessionName = '', DurationSeconds } = call.params;
    const role = ROLE_ARN.exec(RoleArn);
    if (role === null) return this.validation(namespace, `${RoleArn} is invalid`);
    if (!SESSION_NAME.test(RoleSessionName)) return this.validation(namespace, `Value '${RoleSessionName}' at 'roleSessionName' failed to satisfy constraint`);
    const duration = Number(DurationSeconds ?? 3600);
    if (!(duration >= 900 && duration <= 43200)) return this.validation(namespace, `Value '${DurationSeconds}' at 'durationSeconds' failed to satisfy constraint`);
    const session = sentSession(call.params);
    if (session.tags.length > 50) return this.validation(namespace, `Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
    const bad = session.tags.find((tag) => !TAG_KEY.test(tag.key) || !TAG_VALUE.test(tag.value));
    if (bad !== undefined) return this.validation(namespace, `Value at 'tags' failed to satisfy constraint: ${bad.key}`);
    const keys = new Set(session.tags.map((tag) => tag.key.toLowerCase()));
    if (keys.size < session.tags.length) return this.error(namespace, { status: 400, code: 'InvalidParameterValue', message: 'Duplicate tag keys found.' });
    if (session.transitiveTagKeys.some((key) => !keys.has(key.toLowerCase()))) {
      return this.error(namespace, { status: 400, code: 'InvalidParameterValue', message: 'The specified transitive tag key must be included in the requested tags.' });
    }
    if (session.sourceIdentity !== undefined && !SOURCE_IDENTITY.test(session.sourceIdentity)) return this.validation(namespace, `Value at 'sourceIdentity' failed to satisfy constraint`);
    const roleId = 'AROA' + randomChars(BASE32, 17);
    return this.success(
      'AssumeRole',
      namespace,
      `<AssumedRoleUser><AssumedRoleId>${roleId}:${xmlEscape(RoleSessionName)}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${role[1]}:assumed-role/${xmlEscape(role[2]!)}/${xmlEscape(RoleSessionName)}</Arn></AssumedRoleUser>` +
        '<Credentials>' +
        `<AccessKeyId>ASIA${randomChars(BASE32, 16)}</AccessKeyId>` +
        `<SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>` +
        `<SessionToken>IQoJb3JpZ2luX2Vj${randomBytes(600).toString('base64')}</SessionToken>` +
        `<Expiration>${awsTimestamp(this.expiry(call, this.now()))}</Expiration>` +
        '</Credentials>' +
        (call.params.Policy !== undefined ? '<PackedPolicySize>6</PackedPolicySize>' : ''),
    );
  }

  private getRole(call: RecordedCall, namespace: string) {
    const name = call.params.RoleName ?? '';
    const arn = this.roles.get(name);
    if (arn === undefined) {
      return this.error(namespace, { status: 404, code: 'NoSuchEntity', message: `The role with name ${name} cannot be found.` });
    }
    const path = arn.slice(arn.indexOf(':role') + 5, arn.length - name.length);
    return this.success(
      'GetRole',
      namespace,
      '<Role>' +
        `<Path>${xmlEscape(path)}</Path><Arn>${xmlEscape(arn)}</Arn><RoleName>${xmlEscape(name)}</RoleName>` +
        '<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument>' +
        `<CreateDate>2020-01-01T00:00:00Z</CreateDate><RoleId>AROA${randomChars(BASE32, 17)}</RoleId>` +
        '<MaxSessionDuration>3600</MaxSessionDuration>' +
        '</Role>',
    );
  }

  private success(action: string, namespace: string, result: string) {
    const requestId = randomUUID();
    const xml =
      `<${action}Response xmlns="${namespace}">\n` +
      `  <${action}Result>${result}</${action}Result>\n` +
      `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
      `</${action}Response>\n`;
    return { status: 200, xml, requestId };
  }

  private validation(namespace: string, message: string) {
    return this.error(namespace, { status: 400, code: 'ValidationError', message });
  }

  private error(namespace: string, failure: FakeAwsFailure) {
    const requestId = randomUUID();
    const type = failure.type ?? (failure.status >= 500 ? 'Receiver' : 'Sender');
    const xml =
      `<ErrorResponse xmlns="${namespace}">\n` +
      `  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(failure.code)}</Code>\n` +
      `    <Message>${xmlEscape(failure.message ?? failure.code)}</Message>\n  </Error>\n` +
      `  <RequestId>${requestId}</RequestId>\n` +
      '</ErrorResponse>\n';
    return { status: failure.status, xml, requestId };
  }
}
