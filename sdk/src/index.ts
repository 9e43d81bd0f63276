// @atrium/sdk — a typed client for the Atrium HTTP API v1.
export { AtriumClient, AtriumError, type ClientOptions, type RequestOptions } from './client.js';
export type * from './types.js';
export { workApi, type WorkApi, type Workflow, type Task, type Template, type TemplateTask, type WorkflowQuery, type Health, type TaskStatus, type Priority } from './work.js';
export { aiApi, type AiApi } from './ai.js';
