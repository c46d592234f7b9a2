/**
 * The whole proxy in-process, wired as in production but for its side effects: a fake STS/IAM speaking
 * AWS's protocol (driven by the real SDK), an IMDS stub as the upstream, a mapping file in a temp folder.
 *
 *   const h = await startHarness({ mappings: { '127.0.0.2': 'app@123456789012' } });
 *   const r = await h.get('127.0.0.2', '/latest/meta-data/iam/security-credentials/');
 *   await h.close();
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { AwsStsGateway } from '../../src/credentials/sts-gateway.js';
import { AwsIamGateway } from '../../src/credentials/iam-gateway.js';
import { startProxy, type ProxyDeps, type RunningProxy } from '../../src/main.js';
import { FakeAws } from './fake-aws.js';
import { startImdsStub, type ImdsStub, type ImdsStubOptions } from './imds-stub.js';

export interface HarnessOptions {
  /** Settings as environment variables, parsed by the real config loader. */
  env?: Record<string, string>;
  /** Fields set after loading (for values the environment cannot express). */
  config?: Partial<Config>;
  /** ROLE_MAPPING_FILE content. */
  mappings?: Record<string, unknown>;
  imds?: ImdsStubOptions;
  deps?: ProxyDeps;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Harness {
  proxy: RunningProxy;
  aws: FakeAws;
  imds: ImdsStub;
  config: Config;
  mappingFile: string;
  writeMappings(mappings: Record<string, unknown>): void;
  /** One request from `caller` (a loopback source address), raw path. */
  request(caller: string, path: string, options?: RequestOptions): Promise<Reply>;
  get(caller: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export const TEST_ACCOUNT = '123456789012';
const dummyCredentials = { accessKeyId: 'AKIAPROXYOWNKEY00000', secretAccessKey: 'proxy-own-secret' };

/** Where `caller` reaches a listener: an IPv6 literal without its brackets; a wildcard is the loopback of the caller's family. */
function connectTo(url: URL, caller: string): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host !== '::' && host !== '0.0.0.0') return host;
  return caller.includes(':') ? '::1' : '127.0.0.1';
}

export function requestFrom(url: string, caller: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: connectTo(target, caller),
        port: target.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: caller,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'mdp-harness-'));
  const mappingFile = join(dir, 'roles.json');
  const writeMappings = (mappings: Record<string, unknown>) => writeFileSync(mappingFile, JSON.stringify(mappings));
  writeMappings(options.mappings ?? {});

  const aws = await FakeAws.start();
  const imds = await startImdsStub(options.imds);
  const loaded = loadConfig({
    argv: [],
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      METADATA_URL: imds.url,
      ROLE_MAPPING_FILE: mappingFile,
      DEFAULT_ACCOUNT_ID: TEST_ACCOUNT,
      DOCKER: 'false',
      ...options.env,
    },
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  if (!loaded.ok || loaded.action !== 'run') throw new Error(`harness config: ${JSON.stringify(loaded)}`);
  const config: Config = { ...loaded.config, adminListen: '127.0.0.1:0', ...options.config };
  const aws_ = { endpoint: aws.url, region: 'us-east-1', credentials: dummyCredentials };
  const proxy = await startProxy(config, {
    sts: new AwsStsGateway(aws_),
    iam: new AwsIamGateway(aws_),
    ...options.deps,
  });

  const request = (caller: string, path: string, requestOptions?: RequestOptions) =>
    requestFrom(proxy.url, caller, path, requestOptions);
  return {
    proxy,
    aws,
    imds,
    config,
    mappingFile,
    writeMappings,
    request,
    get: (caller, path, headers) => request(caller, path, { headers }),
    async close() {
      await proxy.close();
      await aws.close();
      await imds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
