export * from './batch-inference-pipeline';
