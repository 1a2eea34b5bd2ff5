export { type Api, type ApiLogger, type ApiOptions, createApi, type PipelineStatus } from './api';
export { buildOpenApi, renderOpenApi } from './openapi';
export { createLogPipelineStatus, type PipelineStage, pipelineStages } from './pipeline-status';
