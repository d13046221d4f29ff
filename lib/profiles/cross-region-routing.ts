import { RegionInfo } from 'aws-cdk-lib/region-info';
import { type CrossRegionGeography } from '../pricing';

/** Every Region a geography's profiles may route to, for any model; `*` for global. */
const GEOGRAPHY_REGIONS: Record<CrossRegionGeography, () => string[]> = {
  us: () => regionsOf('aws', (name) => name.startsWith('us-')),
  eu: () => regionsOf('aws', (name) => name.startsWith('eu-')),
  apac: () => regionsOf('aws', (name) => name.startsWith('ap-') || name.startsWith('me-')),
  ca: () => regionsOf('aws', (name) => name.startsWith('ca-')),
  jp: () => ['ap-northeast-1', 'ap-northeast-3'],
  au: () => ['ap-southeast-2', 'ap-southeast-4'],
  in: () => ['ap-south-1', 'ap-south-2'],
  'us-gov': () => regionsOf('aws-us-gov', () => true),
  global: () => ['*'],
};

function regionsOf(partition: string, include: (name: string) => boolean): string[] {
  return RegionInfo.regions
    .filter((region) => region.partition === partition && include(region.name))
    .map((region) => region.name)
    .sort();
}

/**
 * The Regions a cross-region profile of `geography` may send a request to. AWS picks the
 * destinations per model and adds Regions over time, so this is every Region of the geography
 * (the aws-cdk Bedrock alpha module draws the same boundary).
 */
export function destinationRegions(geography: CrossRegionGeography): string[] {
  return GEOGRAPHY_REGIONS[geography]();
}
