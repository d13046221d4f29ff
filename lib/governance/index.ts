export * from './tenant-cost-controls';
export * from './bedrock-cost-governance';
