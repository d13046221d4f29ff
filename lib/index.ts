export * from './pricing';
export * from './alerts';
