export * from './router-classifier';
export * from './response-cache';
export * from './model-router';
export {
  type AgentRequest,
  type AgentResponse,
  type ChatMessage,
  type ChatRole,
  ESCALATE_MARKER,
  ROUTER_METRICS_NAMESPACE,
  RouterMetric,
  type RouterErrorBody,
  type RouterErrorCode,
  type RouterRequest,
  type RouterResponse,
  type UsageJson,
} from './contract';
