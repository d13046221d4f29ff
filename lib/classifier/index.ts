// Pure TypeScript, no aws-cdk-lib: the CLI trains with it and the router Lambda bundles it.
export * from './csv';
export * from './features';
export * from './model';
export * from './train';
export * from './sampling';
export * from './evaluate';
