export * from './pricing';
export * from './alerts';
export * from './monitoring';
export * from './profiles';
export * from './budgets';
export * from './batch';
export * from './governance';
export * from './reporting';
