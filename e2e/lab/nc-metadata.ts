// Requests to IMDS's IPv6 address from inside a container. busybox wget crashes on IPv6 literals, so the
// HTTP/1.0 request is written by hand and sent with busybox nc; the server closes after answering.
import type { ContainerCli } from './engine.js';
import type { RunResult } from './exec.js';

export const METADATA_ADDRESS_V6 = 'fd00:ec2::254';

export interface RawAnswer {
  /** 0 when nothing (or no HTTP status line) came back. */
  status: number;
  body: string;
  /** What went wrong, when status is 0. */
  error: string;
}

const send = (request: string): string => `printf '${request}' | timeout 10 nc ${METADATA_ADDRESS_V6} 80`;

/**
 * A shell command line that GETs `path` at http://[fd00:ec2::254]; with `token`, IMDSv2 style: a PUT for a
 * token first, sent back on the GET. Paths and headers here never hold quotes or `%`.
 */
export function ncMetadataCommand(path: string, token = false): string {
  const crlf = '\\r\\n';
  if (!token) return send(`GET ${path} HTTP/1.0${crlf}${crlf}`);
  const put = send(`PUT /latest/api/token HTTP/1.0${crlf}X-aws-ec2-metadata-token-ttl-seconds: 60${crlf}${crlf}`);
  return `t=$(${put} | tail -n 1); ${send(`GET ${path} HTTP/1.0${crlf}X-aws-ec2-metadata-token: '"$t"'${crlf}${crlf}`)}`;
}

export function parseRawAnswer(result: RunResult): RawAnswer {
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(result.stdout);
  if (status === null) return { status: 0, body: '', error: `exit ${result.code}: ${result.stderr.trim() || result.stdout.trim() || 'no answer'}` };
  const split = result.stdout.indexOf('\r\n\r\n');
  return { status: Number(status[1]), body: split < 0 ? '' : result.stdout.slice(split + 4), error: '' };
}

/** GET http://[fd00:ec2::254]<path> from inside a running container. */
export async function askMetadata6(engine: ContainerCli, id: string, path: string, token = false): Promise<RawAnswer> {
  return parseRawAnswer(await engine.dockerResult(['exec', id, 'sh', '-c', ncMetadataCommand(path, token)]));
}
