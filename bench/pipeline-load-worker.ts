/** One worker process of the pipeline load benchmark (spawned by pipeline-load.bench.ts). */
import { loadConfig } from '../src/config/load-config.ts';
import type { PipelineSettings } from '../src/pipeline/pipeline-settings.ts';
import { installPipeline } from '../src/pipeline/role-extension.ts';
import { registerStageHandlers } from '../src/pipeline/stage-handlers.ts';
import { runApp } from '../src/runtime/run-app.ts';
import { benchHandlers } from './pipeline-load-handlers.ts';

const settings: PipelineSettings = JSON.parse(process.env.PIPELINE_TEST_SETTINGS ?? '{}');
registerStageHandlers(benchHandlers(process.env.STANDIN_URL ?? '', Number(process.env.BENCH_ACCOUNTS ?? 1000)));
installPipeline({ settings, metricsServer: false });
await runApp(loadConfig(process.env), { installSignalHandlers: true });
