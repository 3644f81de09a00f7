/**
 * lcp-tree's queries (docs/mechanisms/lcp-tree.md#estimator): one TreeLce per query, shared by all
 * records, and the per-record estimate with its interval.
 *
 * Estimate: r − μ̂, the Landau–Vishkin result r debiased by the simulated mean error μ̂ of
 * G = r − ED(A, B) (calibration.ts; clipped to [0, n]); k + 1 when above k (a lower bound). Not an
 * integer in general, which lets a randomized interval exclude r itself while containing the
 * estimate (at ε ≥ 80, G = 0 for 98–99 % of records with local edits, so any interval containing an
 * integer estimate r would cover ≥ 98 %). Interval: the randomized belt of the calibration at the
 * record's public uniform U (a hash of the plan's public parameters and hash seed, the query bits and
 * the record ordinal offset / wordsPerRecord), so answers are reproducible. When the level is too
 * extreme for the tables (Bonferroni over many records) or r falls outside every acceptance region,
 * the honest interval under the paper's promise ED ≤ k: [0, k] ([0, n] above k), widened to contain
 * the estimate. Status `unreliable` on every record of a plan below the reliability threshold
 * (layout.ts), `above_k` when Landau–Vishkin does not finish by k.
 */
import { wordsFor } from '../../bits.js'
import type { LceOracle } from '../../exact/landau-vishkin.js'
import { intervalAlpha } from '../../stats/intervals.js'
import { beltInterval, beltUniforms, calibrationNumber, preparedBeltOf } from '../../stats/edit-calibration.js'
import type { Calibration, Estimate, Plan, QueryOptions, RecordEstimator } from '../mechanism.js'
import { hashSeedOf, lcpTreeLayout, lcpTreeLayoutOf } from './layout.js'
import { TreeLce } from './lce.js'
import { hashTables } from './tables.js'

/** A prepared query of lcp-tree without the intervals: its LCE oracle and its Landau–Vishkin. */
export interface LcpTreeOracle extends LceOracle {
  /** The record array and word offset `lce` reads. */
  sketch: Uint32Array
  off: number
  /** Landau–Vishkin with cap k of the record at `offset` against the query: the estimate, or null above k. */
  run(sketch: Uint32Array, offset: number): number | null
}

/** TreeLce with the diagonal checked and the record read from `sketch` and `off` on every call. */
class CheckedTreeOracle implements LcpTreeOracle {
  sketch: Uint32Array = new Uint32Array(0)
  off = 0
  constructor(private readonly tree: TreeLce) {}

  lce(x: number, d: number): number {
    const h = this.tree.h
    if (d < -h || d > h) throw new RangeError(`lcp-tree: diagonal ${d} outside ±${h}`)
    this.tree.bind(this.sketch, this.off)
    return this.tree.lce(x, d)
  }

  run(sketch: Uint32Array, offset: number): number | null {
    return this.tree.run(sketch, offset)
  }
}

/** The query machinery prepareQuery uses, on its own (exported for the equivalence tests). */
export function lcpTreeOracle(n: number, k: number, hashSeed: string, query: Uint32Array, stride = 1, interleave = false): LcpTreeOracle {
  if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
  return new CheckedTreeOracle(new TreeLce(lcpTreeLayout(n, stride, interleave), k, hashTables(n, hashSeed), query))
}

/** The mechanism's prepareQuery: the estimate and interval of every record against `query`. */
export function lcpTreePrepareQuery(plan: Plan, pTilde: number, calibration: Calibration, query: Uint32Array, options: QueryOptions): RecordEstimator {
  const { n, k } = plan
  if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
  if (calibrationNumber(calibration, 'pTilde') !== pTilde || calibrationNumber(calibration, 'n') !== n) {
    throw new RangeError('lcp-tree: calibration does not match the sketch')
  }
  const layout = lcpTreeLayoutOf(plan)
  const oracle = new TreeLce(layout, k, hashTables(n, hashSeedOf(plan)), query)
  const level = 1 - intervalAlpha(options)
  // The estimate is r − μ̂ (μ̂ = simulated mean error): the belt's centre, so intervals contain it.
  const centre = calibrationNumber(calibration, 'meanError')
  const belt = preparedBeltOf(calibration.belt, k, n, level, centre)
  // The public uniform of each record for the randomized belt (record ordinal = offset / words).
  const { wordsPerRecord } = layout
  const uniform = beltUniforms(`lcp-tree|${n}|${k}|${plan.epsilonMicro}|${plan.unitBits}|${hashSeedOf(plan)}${layout.stride === 1 ? '' : `|stride${layout.stride}`}`, query, n)
  const unreliable = !plan.reliable
  const clip = (x: number): number => (x < 0 ? 0 : x > n ? n : x)
  return (sketch: Uint32Array, offset: number): Estimate => {
    const r = oracle.run(sketch, offset)
    const s = r ?? Math.min(k + 1, n)
    const estimate = r === null ? s : clip(r - centre)
    const interval = belt === null ? null : beltInterval(belt, s, uniform(Math.floor(offset / wordsPerRecord)))
    let ciLow: number
    let ciHigh: number
    if (interval !== null) {
      ciLow = clip(interval[0])
      ciHigh = r === null ? n : clip(interval[1])
    } else {
      // Beyond the table: the honest interval under the promise ED ≤ k.
      ciLow = 0
      ciHigh = r === null ? n : k
    }
    return { estimate, ciLow: Math.min(ciLow, estimate), ciHigh: Math.max(ciHigh, estimate), status: unreliable ? 'unreliable' : r === null ? 'above_k' : 'ok' }
  }
}
