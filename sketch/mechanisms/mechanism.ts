/**
 * The contract every private sketch mechanism implements (parity, pl07, lcp-tree, noisy-bits).
 *
 * A mechanism is pure: no I/O, no Fastify, no database. The server plans a sketch, debits the
 * charged ε, derives the flip probability from `plan.delta`, then feeds raw records one at a time to
 * `builder` (possibly in a worker thread) and stores only the noisy output. Queries run
 * `prepareQuery` once per query string and call the returned function once per stored record.
 *
 * Bit layout of raw records and query strings: see sketch/bits.ts (bit i of a string is bit
 * 31 − (i mod 32) of word ⌊i/32⌋, i.e. MSB-first, the same order as the packed bytes).
 */
import type { FlipProbability } from '../../privacy/randomized-response.js'
import type { NoiseSource } from '../../privacy/noise-source.js'

export { ESTIMATE_STATUSES, MECHANISM_NAMES, METRICS } from '../names.js'
export type { EstimateStatus, MechanismName, Metric } from '../names.js'
import type { EstimateStatus, MechanismName, Metric } from '../names.js'

export interface Estimate {
  /** Point estimate of the distance, clipped to [0, n]. */
  estimate: number
  ciLow: number
  ciHigh: number
  status: EstimateStatus
  /**
   * An estimate without the clip to [0, n] and with the mechanism's model bias removed, so that its
   * mean over many records is their mean distance (it can be negative or above n). Per record it is
   * noisier than `estimate`; it is what to average. Absent where the mechanism has no such estimate
   * (a saturated or above-k record, or an estimator that is biased by design).
   */
  unbiased?: number
}

export interface PlanRequest {
  /** Bits per record. */
  n: number
  /** The distance range the sketch must be accurate on (paper's k). */
  k: number
  /** Total ε charged for the sketch, integer micro-ε. */
  epsilonMicro: number
  /** Protected change: at most this many bit positions of one record (neighbour relation). */
  unitBits: number
  /** Mechanism-specific overrides (validated by the mechanism; unknown keys are an error). */
  options: Record<string, unknown>
}

export interface PredictedSd {
  atZero: number
  atHalfK: number
  atK: number
}

export interface Plan {
  mechanism: MechanismName
  metric: Metric
  n: number
  k: number
  epsilonMicro: number
  unitBits: number
  /**
   * Public, JSON-serialisable parameters: everything needed to rebuild the hash tables (including
   * the public hash seed) and to answer queries. Stored next to the sketch and shown to users.
   */
  params: Record<string, unknown>
  /** Stored cells one protected change (unitBits bits of one record) can toggle, for every seed. */
  delta: number
  /** 32-bit words stored per record. */
  wordsPerRecord: number
  predictedSd: PredictedSd
  /** False when ε is below the level where the mechanism's error bound holds (lcp-tree). */
  reliable: boolean
  /** Human-readable remarks about the plan (e.g. why it is unreliable). */
  notes: string[]
}

/** Per-sketch precomputation for confidence intervals (JSON-serialisable, shared with workers). */
export type Calibration = Record<string, unknown>

export interface QueryOptions {
  /** Confidence level of each interval, e.g. 0.95. */
  confidence: number
  /** When set, widen intervals so that all `simultaneousM` hold jointly (Bonferroni). */
  simultaneousM: number | null
}

export type RecordBuilder = (
  record: Uint32Array,
  recordOffset: number,
  out: Uint32Array,
  outOffset: number,
) => void

export type RecordEstimator = ((sketch: Uint32Array, offset: number) => Estimate) & {
  /**
   * Set when the estimate is a function of one count: estimates[popcount(stored words XOR query)],
   * over the record's `query.length` words. Scans then count in bulk with the exact-scan kernel
   * instead of calling the estimator once per record; the answers are the same.
   */
  byCount?: { query: Uint32Array; estimates: readonly Estimate[] }
}

export interface SketchMechanism {
  readonly name: MechanismName
  readonly metric: Metric
  /**
   * Chooses parameters. `hashSeed` is a public seed drawn independently of the data (the server
   * draws it from the CSPRNG); it is stored in `plan.params`. Throws RangeError with a one-line
   * reason on impossible requests (bad options, k > n, ...).
   */
  plan(req: PlanRequest, hashSeed: string): Plan
  /**
   * Returns a function that sketches one raw record (n bits at `record[recordOffset..]`) and writes
   * the randomized-response output (`plan.wordsPerRecord` words) at `out[outOffset..]`. The clean
   * sketch never leaves this function. `flip` is flipProbability(plan.epsilonMicro, plan.delta).
   */
  builder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder
  /** Precomputation for intervals, done once per sketch (deterministic in plan and pTilde). */
  calibrate(plan: Plan, pTilde: number): Calibration
  /** Sketches the query once; the returned function estimates the distance to one stored record. */
  prepareQuery(
    plan: Plan,
    pTilde: number,
    calibration: Calibration,
    query: Uint32Array,
    options: QueryOptions,
  ): RecordEstimator
}

/** Throws RangeError naming the first option a mechanism does not take (a typo must not be ignored). */
export function rejectUnknownOptions(mechanism: MechanismName, options: Record<string, unknown> | undefined, allowed: readonly string[]): void {
  for (const key of Object.keys(options ?? {})) {
    if (!allowed.includes(key)) {
      throw new RangeError(`unknown ${mechanism} option "${key}" (${allowed.length ? `it takes: ${allowed.join(', ')}` : 'it takes none'})`)
    }
  }
}
