export * from './request-metadata';
export * from './invocation-log';
export * from './logged-model';
export * from './attribution';
export * from './analytics-sql';
export * from './invocation-log-analytics';
export * from './bedrock-invocation-logging';
