export * from './bedrock-metrics';
