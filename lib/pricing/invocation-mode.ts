/** How a call is billed. */
export enum InvocationMode {
  /** On demand, standard service tier. */
  ON_DEMAND = 'on-demand',
  /** On demand, Flex service tier (`serviceTier: { type: 'flex' }`): a discount for latency-tolerant work. */
  FLEX = 'flex',
  /** On demand, Priority service tier: a premium for faster responses. */
  PRIORITY = 'priority',
  /** Batch inference: half price on supported models, no prompt caching. */
  BATCH = 'batch',
}

/** A service tier of on-demand inference, as workloads and routing tiers name it. */
export enum ServiceTier {
  STANDARD = 'standard',
  FLEX = 'flex',
  PRIORITY = 'priority',
}

/** The invocation mode that bills a call on `tier`. */
export function invocationModeOf(tier: ServiceTier): InvocationMode {
  switch (tier) {
    case ServiceTier.FLEX:
      return InvocationMode.FLEX;
    case ServiceTier.PRIORITY:
      return InvocationMode.PRIORITY;
    default:
      return InvocationMode.ON_DEMAND;
  }
}
