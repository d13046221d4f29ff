export * from './budget-scope';
export * from './bedrock-budget';
export * from './bedrock-cost-anomaly-detection';
export { COST_EXPLORER_REGION } from './us-east-1-only';
