export * from './cost-alert-topic';
