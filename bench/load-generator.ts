// Child process that generates load on request from the orchestrator, on its own CPU.
import { answerRequests } from './processes.js';
import { runAutocannon, type AutocannonJob } from './autocannon-load.js';
import { runCloseLoad, type CloseLoadJob } from './close-load.js';
import { requestFromEveryCaller, runAddressLoad, type AddressLoadJob, type EveryCallerJob } from './address-load.js';

answerRequests(async (message) => {
  const { kind, job } = message as { kind: string; job: unknown };
  if (kind === 'autocannon') return runAutocannon(job as AutocannonJob);
  if (kind === 'addresses') return runAddressLoad(job as AddressLoadJob);
  if (kind === 'close') return runCloseLoad(job as CloseLoadJob);
  if (kind === 'every-caller') return requestFromEveryCaller(job as EveryCallerJob);
  throw new Error(`unknown load kind ${kind}`);
});
