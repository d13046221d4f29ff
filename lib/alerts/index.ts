export * from './cost-alert-topic';
export * from './readable-alerts';
