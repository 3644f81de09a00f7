/**
 * Mechanism `pl07`: the paper's private Hamming sketch, the Porat–Lipsky (CPM'07) two-level sketch
 * with randomized response (arXiv 2411.05750, its Hamming structure; docs/mechanisms/pl07.md). Kept so users can
 * reproduce the paper and compare it with `parity`.
 *
 * Sketch: with ℓ = ln k, M2 = ⌈k/(3ℓ)⌉ buckets, L = ⌈2ℓ⌉ repetitions and M1 = ⌈c·ℓ²⌉ cells per
 * (bucket, repetition) group (c = 8 by default; the paper's PL07 constant is 72e ≈ 195.7). Public
 * tables (sketch/hash-tables.ts) give each position i a bucket h(i) and, per repetition t, a cell
 * h⁰_t(i); group (j, t) occupies cells [(j·L + t)·M1, (j·L + t + 1)·M1) of one contiguous bit string.
 * Binary specialisation: a cell stores the XOR of the record bits hashed to it (not the (i, σ) key
 * encoding, which would double Δ). Small k: for k < e (k = 1, 2) ln k < 1 would give no repetitions
 * or cells, so ℓ = max(ln k, 1) (the sizes of k = e); M1 is at least 4 so that the inversion below is
 * defined.
 *
 * Neighbour relation and Δ: a changed position toggles one cell in each of the L groups of its bucket,
 * for every fixed table, so Δ = L·unitBits, p = 1/(1 + e^{ε/Δ}) (docs/mechanisms/pl07.md#sensitivity).
 *
 * Statistics (option `estimator`), from C_{j,t} = popcount of group (j, t) of noisy-A XOR clean-B:
 * - "paper": S = Σ_j max_t C_{j,t}, as in the paper, and the estimate is S itself (clipped to [0, n]).
 *   Not debiased: it carries the flipped cells, about M2·(M1 p̃ + spread of a maximum of L noise
 *   counts), at every distance.
 * - "debiased" (default): S = Σ_j mean_t T̂_{j,t}, with T̂_{j,t} = ln(1 − 2Ô/M1)/ln(1 − 2/M1),
 *   Ô = (C_{j,t} − M1 p̃)/(1 − 2p̃), clamped at the group saturation level M1/4 (docs/mechanisms/pl07.md#estimator).
 *   The estimate is μ⁻¹(S): the T ∈ [0, G] at which the exact model mean μ(T) = E[S | T] (below)
 *   equals S, linear between integer T. Why: S itself is unbiased only when the noise is small. L =
 *   ⌈2 ln k⌉ repetitions share ε, so at small ε many T̂_{j,t} hit the clamp or the steep end of the
 *   logarithm and μ(T) is far from T (n = 4096, k = 64: slope μ' ≈ 0.4 and S ≈ T − 75 at ε = 1;
 *   S ≈ T + 5 at ε = 5 and 10; mean errors of −1.6 to +0.5 sd over d ≤ k). μ is exact and
 *   increasing, so inverting it removes that bias to first order whatever its size. What remains is
 *   the curvature of μ⁻¹ (μ flattens as groups saturate; second order) and the clip to [0, G], which
 *   biases small d upward whenever the estimate's sd, σ(T)/μ'(T), is not small against d (about
 *   100 / 50 / 19 / 9 at ε = 1 / 2 / 5 / 10 for k = 64). Plans report that sd as predictedSd. The
 *   price of removing the bias is that sd: at small ε the uninverted S had a smaller mean absolute
 *   error, because it shrank every estimate towards a constant.
 *   Estimate.unbiased drops the clip and subtracts the curvature term too (UnbiasedInversion): its
 *   mean over records is their mean distance at every ε (the clipped estimate's is not where the sd
 *   is comparable to k: 0.44 / 0.25 / 0.15 sd at ε = 1 / 2 / 5). The "paper" estimator has none.
 *
 * Intervals (both estimators): normal test inversion (sketch/stats/intervals.ts) against the exact mean
 * μ(T) and sd σ(T) of the chosen statistic under a uniformly random table: per group, the law of C
 * given its load is the Ehrenfest chain of sketch/stats/parity-model.ts; bucket loads are multinomial, and
 * their covariance enters exactly (E[f(T₁) f(T₂)] through T₂ | T₁ ~ Binomial(T − T₁, 1/(M2 − 1))).
 * So T is accepted iff |S − μ(T)| ≤ z·σ(T): the interval corrects the statistic's bias instead of
 * assuming μ(T) = T. The "debiased" estimate μ⁻¹(S) is where that test is most accepting, so it
 * lies in its interval (it is clamped into it in the degenerate case of a belt narrower than one
 * step of μ). For the biased "paper" statistic the point estimate usually lies above its own
 * interval; that gap is the paper's bias. The grid ends at G = min(n, 4k + 64); a statistic still
 * accepted there gets ciHigh = n and status `saturated` (the "debiased" estimate, at most G, then
 * reads as a lower bound).
 */
import type { FlipProbability } from '../../privacy/randomized-response.js'
import { flipProbability, randomizedResponse } from '../../privacy/randomized-response.js'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { popcount32, wordsFor } from '../bits.js'
import { TableCache, cellTable, sketchSetBits } from '../hash-tables.js'
import { type GridInterval, NormalBelt, intervalZ } from '../stats/intervals.js'
import type {
  Calibration,
  Plan,
  PlanRequest,
  PredictedSd,
  QueryOptions,
  RecordBuilder,
  RecordEstimator,
  SketchMechanism,
} from './mechanism.js'
import { rejectUnknownOptions } from './mechanism.js'
import { checkPTilde, checkPlanRequest } from './parity.js'
import { collisionInversionTable } from '../stats/parity-model.js'
import type { Pl07Estimator } from '../stats/pl07-model.js'
import { MeanInversion, UnbiasedInversion, pl07Moments } from '../stats/pl07-model.js'

/** Porat–Lipsky's constant c = 72e. */
export const PL07_PAPER_C = 72 * Math.E
export const DEFAULT_C = 8
/** Largest sketch accepted per record (bytes): a guard against accidental gigabyte sketches. */
export const MAX_BYTES_PER_RECORD = 1 << 20
const OPTION_KEYS = ['c', 'estimator']
const CALIBRATION_MODEL = 'pl07-moments-v1'

export interface Pl07Params {
  hashSeed: string
  /** M2 */
  buckets: number
  /** L */
  repetitions: number
  /** M1 */
  cellsPerGroup: number
  c: number
  estimator: Pl07Estimator
}

/** Paper sizes for k and c (with the small-k clamp ℓ = max(ln k, 1), M1 ≥ 4). */
export function pl07Sizes(k: number, c: number): { buckets: number; repetitions: number; cellsPerGroup: number; lnK: number } {
  const lnK = Math.max(Math.log(k), 1)
  return {
    buckets: Math.max(1, Math.ceil(k / (3 * lnK))),
    repetitions: Math.max(1, Math.ceil(2 * lnK)),
    cellsPerGroup: Math.max(4, Math.ceil(c * lnK * lnK)),
    lnK,
  }
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer`)
  }
  return value
}

export function pl07Params(plan: Plan): Pl07Params {
  if (plan.mechanism !== 'pl07') throw new RangeError('not a pl07 plan')
  const p = plan.params
  if (typeof p.hashSeed !== 'string' || p.hashSeed.length === 0) throw new RangeError('plan has no hash seed')
  if (p.estimator !== 'paper' && p.estimator !== 'debiased') throw new RangeError('unknown pl07 estimator')
  if (typeof p.c !== 'number' || !(p.c > 0)) throw new RangeError('c must be positive')
  const M1 = positiveInteger(p.cellsPerGroup, 'cellsPerGroup')
  if (M1 < 4) throw new RangeError('cellsPerGroup must be at least 4')
  return {
    hashSeed: p.hashSeed,
    buckets: positiveInteger(p.buckets, 'buckets'),
    repetitions: positiveInteger(p.repetitions, 'repetitions'),
    cellsPerGroup: M1,
    c: p.c,
    estimator: p.estimator,
  }
}

const tables = new TableCache<Uint32Array>(4)

/** Absolute cell of every (position, repetition): table[i·L + t] = (h(i)·L + t)·M1 + h⁰_t(i). */
export function pl07CellTable(hashSeed: string, n: number, M2: number, L: number, M1: number): Uint32Array {
  return tables.get(JSON.stringify([hashSeed, n, M2, L, M1]), () => {
    const bucket = cellTable(hashSeed, 'pl07/bucket', n, M2)
    const table = new Uint32Array(n * L)
    for (let t = 0; t < L; t++) {
      const cell = cellTable(hashSeed, `pl07/cell/${t}`, n, M1)
      for (let i = 0; i < n; i++) table[i * L + t] = (bucket[i] * L + t) * M1 + cell[i]
    }
    return table
  })
}

/** Clean pl07 sketch of the n-bit string at record[recordOffset..] into out[outOffset..] (overwritten). */
export function pl07CleanSketch(plan: Plan, record: Uint32Array, recordOffset: number, out: Uint32Array, outOffset: number): void {
  const { hashSeed, buckets, repetitions, cellsPerGroup } = pl07Params(plan)
  const table = pl07CellTable(hashSeed, plan.n, buckets, repetitions, cellsPerGroup)
  out.fill(0, outOffset, outOffset + plan.wordsPerRecord)
  sketchSetBits(record, recordOffset, plan.n, table, repetitions, out, outOffset)
}

/** Last distance of the interval grid. */
export function pl07GridEnd(n: number, k: number): number {
  return Math.min(n, 4 * k + 64)
}

interface Pl07Calibration {
  model: string
  pTilde: number
  estimator: Pl07Estimator
  mean: number[]
  sd: number[]
}

function readCalibration(plan: Plan, calibration: Calibration, pTilde: number, estimator: Pl07Estimator): Pl07Calibration {
  const c = calibration as Partial<Pl07Calibration>
  if (c.model !== CALIBRATION_MODEL) return pl07.calibrate(plan, pTilde) as unknown as Pl07Calibration
  if (c.pTilde !== pTilde) throw new RangeError('calibration was computed for a different flip probability')
  if (c.estimator !== estimator || !Array.isArray(c.mean) || !Array.isArray(c.sd) || c.mean.length !== c.sd.length) {
    throw new RangeError('malformed pl07 calibration')
  }
  return c as Pl07Calibration
}

interface PreparedModel {
  belt: NormalBelt
  /** Present for the "debiased" estimator only: the "paper" estimate is the statistic itself. */
  inversion: MeanInversion | null
  unbiased: UnbiasedInversion | null
}

const models = new TableCache<PreparedModel>(16)

/**
 * The plan's statistic before clipping (Σ_j mean_t T̂_{j,t} or Σ_j max_t C_{j,t}) as a function of one
 * stored record; the query is sketched once. Exposed for accuracy tests; prepareQuery wraps it.
 */
export function pl07Statistic(plan: Plan, pTilde: number, query: Uint32Array): (sketch: Uint32Array, offset: number) => number {
  const { buckets: M2, repetitions: L, cellsPerGroup: M1, estimator } = pl07Params(plan)
  checkPTilde(pTilde)
  if (query.length < wordsFor(plan.n)) throw new RangeError('query is shorter than the record length')
  const q = new Uint32Array(plan.wordsPerRecord)
  pl07CleanSketch(plan, query, 0, q, 0)
  const inversion = collisionInversionTable(M1, pTilde)

  // The groups tile cells [0, M2·L·M1) in order, so one pass over the words covers them: a segment is
  // (word, mask of the cells of one group in it, group); a word straddling groups gives one segment per
  // group it touches (cells are MSB-first within words).
  const groups = M2 * L
  const segWord: number[] = []
  const segMask: number[] = []
  const segGroup: number[] = []
  for (let g = 0; g < groups; g++) {
    const start = g * M1
    const end = start + M1 // exclusive
    for (let w = start >>> 5; w <= (end - 1) >>> 5; w++) {
      const from = Math.max(start, w << 5) - (w << 5)
      const to = Math.min(end, (w + 1) << 5) - (w << 5) // exclusive, 1..32
      const mask = (0xffffffff >>> from) & (to === 32 ? -1 : ~(0xffffffff >>> to))
      segWord.push(w)
      segMask.push(mask | 0)
      segGroup.push(g)
    }
  }
  const words = Int32Array.from(segWord)
  const masks = Int32Array.from(segMask)
  const owner = Int32Array.from(segGroup)
  const segments = words.length
  const counts = new Int32Array(groups)
  const paper = estimator === 'paper'
  const invL = 1 / L

  return (sketch, offset) => {
    counts.fill(0)
    for (let i = 0; i < segments; i++) {
      const w = words[i]
      counts[owner[i]] += popcount32((sketch[offset + w] ^ q[w]) & masks[i])
    }
    let stat = 0
    let g = 0
    for (let j = 0; j < M2; j++) {
      let bucketSum = 0
      let bucketMax = 0
      for (let t = 0; t < L; t++, g++) {
        const C = counts[g]
        bucketSum += inversion[C]
        if (C > bucketMax) bucketMax = C
      }
      stat += paper ? bucketMax : bucketSum * invL
    }
    return stat
  }
}

export const pl07: SketchMechanism = {
  name: 'pl07',
  metric: 'hamming',

  plan(req: PlanRequest, hashSeed: string): Plan {
    checkPlanRequest(req, hashSeed)
    rejectUnknownOptions('pl07', req.options, OPTION_KEYS)
    const c = req.options.c === undefined ? DEFAULT_C : req.options.c
    if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0 || c > 1000) throw new RangeError('c must be a number in (0, 1000]')
    const estimator = req.options.estimator === undefined ? 'debiased' : req.options.estimator
    if (estimator !== 'paper' && estimator !== 'debiased') throw new RangeError('estimator must be "paper" or "debiased"')

    const sizes = pl07Sizes(req.k, c)
    const { buckets: M2, repetitions: L, cellsPerGroup: M1 } = sizes
    const nCells = M2 * L * M1
    const wordsPerRecord = wordsFor(nCells)
    if (wordsPerRecord * 4 > MAX_BYTES_PER_RECORD) {
      throw new RangeError(`pl07 sketch of ${wordsPerRecord * 4} bytes per record exceeds ${MAX_BYTES_PER_RECORD} (lower k or c)`)
    }
    const delta = L * req.unitBits
    const flip = flipProbability(req.epsilonMicro, delta)
    if (!(flip.pTilde < 0.5)) throw new RangeError('epsilon is too small: every cell would be a fair coin')
    const half = Math.floor(req.k / 2)
    const at = [0, half, req.k]
    const notes = [
      `pl07 sketch: ${M2} bucket(s) × ${L} repetitions × ${M1} cells (c = ${c}); one protected change toggles at most ` +
        `Δ = ${delta} cells; each cell flipped with probability ${flip.pTilde.toPrecision(4)}`,
    ]
    let predictedSd: PredictedSd
    let rmse: number
    if (estimator === 'paper') {
      const { mean, sd } = pl07Moments(sizes, flip.pTilde, estimator, at)
      predictedSd = { atZero: sd[0], atHalfK: sd[1], atK: sd[2] }
      const bias = at.map((T, i) => mean[i] - T)
      rmse = Math.max(...bias.map((b, i) => Math.hypot(b, sd[i])))
      notes.push(
        `paper estimator: predicted bias ${bias.map((b) => b.toFixed(1)).join(' / ')} at d = 0 / ${half} / ${req.k}`,
        'the paper estimator is not debiased; intervals correct for its bias, so the estimate can lie above them',
      )
    } else {
      // The estimate is μ⁻¹(S): its sd is σ(T)/μ'(T) to first order (μ' by a difference of the exact μ).
      const probes = at.flatMap((T) => [Math.max(T - 1, 0), T, T + 1])
      const { mean, sd } = pl07Moments(sizes, flip.pTilde, estimator, probes)
      const sdAt = at.map((T, i) => {
        const slope = (mean[3 * i + 2] - mean[3 * i]) / (T + 1 - Math.max(T - 1, 0))
        return slope > 0 ? Math.min(sd[3 * i + 1] / slope, req.n) : req.n
      })
      predictedSd = { atZero: sdAt[0], atHalfK: sdAt[1], atK: sdAt[2] }
      rmse = Math.max(...sdAt)
      notes.push('debiased estimator: the exact model mean of its statistic is inverted, so the estimate is unbiased to first order')
    }
    const reliable = rmse < req.k
    if (!reliable) notes.push(`predicted error (${rmse.toFixed(1)}) is not below k: estimates carry little information at this ε`)
    return {
      mechanism: 'pl07',
      metric: 'hamming',
      n: req.n,
      k: req.k,
      epsilonMicro: req.epsilonMicro,
      unitBits: req.unitBits,
      params: { hashSeed, buckets: M2, repetitions: L, cellsPerGroup: M1, c, estimator },
      delta,
      wordsPerRecord,
      predictedSd,
      reliable,
      notes,
    }
  },

  builder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder {
    const { hashSeed, buckets: M2, repetitions: L, cellsPerGroup: M1 } = pl07Params(plan)
    if (flip.delta !== plan.delta || flip.epsilonMicro !== plan.epsilonMicro) {
      throw new RangeError('flip probability does not match the plan (ε or Δ differ)')
    }
    const n = plan.n
    const table = pl07CellTable(hashSeed, n, M2, L, M1)
    const words = plan.wordsPerRecord
    const nCells = M2 * L * M1
    return (record, recordOffset, out, outOffset) => {
      out.fill(0, outOffset, outOffset + words)
      sketchSetBits(record, recordOffset, n, table, L, out, outOffset)
      randomizedResponse(out, outOffset, nCells, flip, noise)
    }
  },

  calibrate(plan: Plan, pTilde: number): Calibration {
    const params = pl07Params(plan)
    checkPTilde(pTilde)
    const G = pl07GridEnd(plan.n, plan.k)
    const grid = Array.from({ length: G + 1 }, (_, T) => T)
    const { mean, sd } = pl07Moments(params, pTilde, params.estimator, grid)
    return { model: CALIBRATION_MODEL, pTilde, estimator: params.estimator, mean: Array.from(mean), sd: Array.from(sd) }
  },

  prepareQuery(plan: Plan, pTilde: number, calibration: Calibration, query: Uint32Array, options: QueryOptions): RecordEstimator {
    const { estimator } = pl07Params(plan)
    checkPTilde(pTilde)
    const z = intervalZ(options)
    const n = plan.n
    const { belt, inversion, unbiased } = models.get(JSON.stringify([plan.params, n, plan.k, pTilde, z]), () => {
      const cal = readCalibration(plan, calibration, pTilde, estimator)
      const belt = new NormalBelt(cal.mean, cal.sd, z, n)
      if (estimator !== 'debiased') return { belt, inversion: null, unbiased: null }
      const inversion = new MeanInversion(cal.mean)
      return { belt, inversion, unbiased: new UnbiasedInversion(cal.mean, cal.sd, inversion) }
    })
    const statistic = pl07Statistic(plan, pTilde, query)
    const ci: GridInterval = { low: 0, high: 0, openEnded: false }
    if (inversion === null) {
      return (sketch, offset) => {
        const stat = statistic(sketch, offset)
        belt.intervalInto(stat, ci)
        return {
          estimate: Math.min(Math.max(stat, 0), n),
          ciLow: ci.low,
          ciHigh: ci.high,
          status: ci.openEnded ? 'saturated' : 'ok',
        }
      }
    }
    return (sketch, offset) => {
      const stat = statistic(sketch, offset)
      belt.intervalInto(stat, ci)
      // μ⁻¹(s) solves s = μ(T), so the integer T on either side are accepted whenever the belt is
      // wider than one step of μ; the clamp keeps the estimate inside its interval when it is not
      // (σ far below the slope, or s in a gap between acceptance regions).
      const estimate = Math.min(Math.max(inversion.estimate(stat), ci.low), ci.high)
      // The unbiased estimate continues past the grid, so a saturated record has one too.
      return { estimate, ciLow: ci.low, ciHigh: ci.high, status: ci.openEnded ? 'saturated' : 'ok', unbiased: unbiased!.estimate(stat) }
    }
  },
}
