import { parentPort, workerData } from 'node:worker_threads';
import { validateDemoPortfolio, type DemoValidationInput } from './demo-validation.ts';

// Worker entry: the validation's CPU time runs here, off the main thread's event loop.
const input = workerData as DemoValidationInput;
validateDemoPortfolio(input).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: unknown) => parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
);
