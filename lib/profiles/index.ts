export * from './cost-allocated-inference-profile';
export * from './cost-allocation-tags';
export * from './cost-allocation-tag-activation';
export * from './tenant-profiles';
export { destinationRegions } from './cross-region-routing';
