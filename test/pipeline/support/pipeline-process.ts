/**
 * A real crm-health process for fault tests: the stand-in handlers, the pipeline role extension
 * and `runApp` with the role from ROLE. Settings come as JSON in PIPELINE_TEST_SETTINGS.
 */
import { loadConfig } from '../../../src/config/load-config.ts';
import type { PipelineSettings } from '../../../src/pipeline/pipeline-settings.ts';
import { installPipeline } from '../../../src/pipeline/role-extension.ts';
import { registerStageHandlers } from '../../../src/pipeline/stage-handlers.ts';
import { runApp } from '../../../src/runtime/run-app.ts';
import { standInHandlers } from './stand-in-handlers.ts';

const standInUrl = process.env.STANDIN_URL;
const settingsJson = process.env.PIPELINE_TEST_SETTINGS;
if (!standInUrl || !settingsJson) throw new Error('STANDIN_URL and PIPELINE_TEST_SETTINGS are required');
const settings: PipelineSettings = JSON.parse(settingsJson);

registerStageHandlers(standInHandlers(standInUrl));
installPipeline({ settings });
await runApp(loadConfig(process.env), { installSignalHandlers: true });
