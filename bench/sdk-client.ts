// Child process that times AssumeRole through the real SDK, on the CPU the proxy runs on: the reference for
// a new caller's first request pays the same trip between processes that the proxy's own STS call does.
import { AwsStsGateway } from '../src/credentials/sts-gateway.js';
import { answerRequests } from './processes.js';
import { median } from './measure.js';

export interface SdkRoundTripJob {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Timed calls, after two that warm the client up. */
  samples: number;
}

async function sdkRoundTripMs(job: SdkRoundTripJob): Promise<number> {
  const gateway = new AwsStsGateway({ endpoint: job.endpoint, credentials: { accessKeyId: job.accessKeyId, secretAccessKey: job.secretAccessKey } });
  try {
    const samples: number[] = [];
    for (let i = -2; i < job.samples; i++) {
      const started = performance.now();
      await gateway.assumeRole({ roleArn: `arn:aws:iam::123456789012:role/sdk-${i + 2}`, sessionName: 'bench', durationSeconds: 3600 });
      if (i >= 0) samples.push(performance.now() - started);
    }
    return median(samples);
  } finally {
    gateway.close();
  }
}

answerRequests(async (message) => sdkRoundTripMs(message.job as SdkRoundTripJob));
