export * from './bedrock-metrics';
export * from './monitoring-target';
export * from './bedrock-usage-alarms';
export * from './bedrock-cost-dashboard';
