export * from './usd';
export * from './model-prices';
export * from './bedrock-model';
export * from './inference-source';
export * from './cost';
export * from './workload';
export * from './estimator';
