export * from './report-engine';
export * from './cost-report';
