/**
 * The distances dpdist answers, the sketch mechanisms and the status of an estimate: defined here
 * once, with no imports, so the schemas, the CLI and the dashboard's types can all use them.
 */
export const METRICS = ['hamming', 'edit'] as const
export type Metric = (typeof METRICS)[number]
export const MECHANISM_NAMES = ['parity', 'pl07', 'lcp-tree', 'noisy-bits'] as const
export type MechanismName = (typeof MECHANISM_NAMES)[number]
export const ESTIMATE_STATUSES = ['ok', 'saturated', 'above_k', 'unreliable'] as const
export type EstimateStatus = (typeof ESTIMATE_STATUSES)[number]
