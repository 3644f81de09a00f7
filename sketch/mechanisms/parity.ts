/**
 * Mechanism `parity` (the default Hamming sketch): single-level XOR-parity sketch + randomized
 * response + debiasing + collision inversion (docs/mechanisms/parity.md).
 *
 * Sketch: L repetitions of M cells (M a power of two). A public table (sketch/hash-tables.ts, from
 * the plan's hash seed) maps bit position i to cell h_r(i) of repetition r; a cell stores the XOR of
 * the record bits hashed to it. Stored per record: the L·M cells, each flipped independently with p̃
 * (privacy/randomized-response.ts); the clean sketch never leaves the builder.
 *
 * Neighbour relation and Δ: neighbours differ in at most unitBits positions of one record. One
 * position toggles exactly one cell per repetition, for every fixed table, so Δ = L·unitBits and
 * p = 1/(1 + e^{ε/Δ}) makes the release ε-DP (docs/mechanisms/parity.md#sensitivity). Queries are post-processing.
 *
 * Estimator, per record: C_r = popcount(noisy A-sketch_r XOR clean B-sketch_r);
 * Ô_r = (C_r − M p̃)/(1 − 2p̃); T̂_r = ln(1 − 2Ô_r/M)/ln(1 − 2/M), each clamped at the saturation
 * level T_cap = M/4 (x_cap = (1 − 2/M)^{M/4}); T̂ = mean_r T̂_r, clipped to [0, n]. The unclipped mean
 * is reported as Estimate.unbiased: the inversion's own bias is second order (½·g''·Var(Ô), below
 * 0.05 sd at the tested ε), so without the clip at 0 its mean over records is their mean distance.
 * That holds on average over random tables. A deployed sketch has one table, whose collisions among the
 * n positions are fixed: with M ≫ n (ε = 8 CLK plans) its own bias reaches about 0.2 sd (docs/linkage.md#accuracy).
 * Status `saturated` when the mean 1 − 2Ō/M falls below x_cap (Ō = mean of the Ô_r): the distance is
 * about T_cap or more; the estimate is then T_cap, reported as a lower bound (ciHigh = n).
 *
 * Intervals: an exact Neyman belt with mid-p acceptance regions (sketch/stats/intervals.ts) for the integer
 * statistic S = Σ_r C_r, whose law given T is known exactly when the mismatch positions hash
 * uniformly (sketch/stats/parity-model.ts, Ehrenfest chain; true for a random public table and a query
 * chosen without regard to it: a querier who crafts collisions only hurts their own accuracy).
 * `calibrate` stores the 95 % belt; other levels (and Bonferroni levels for `simultaneousM`) are
 * computed on demand and cached. A saturated record keeps the belt's lower end (at most T_cap) and
 * gets ciHigh = n. Choice of (M, L): the delta-method variance model in sketch/stats/parity-model.ts.
 *
 * Query cost per record: L·M/32 word XOR-popcounts; with L = 1 the whole answer is a function of
 * C ∈ 0..M, so it is one table lookup returning a shared, frozen Estimate (no allocation per record).
 */
import type { FlipProbability } from '../../privacy/randomized-response.js'
import { randomizedResponse } from '../../privacy/randomized-response.js'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { popcount32, wordsFor, xorPopcount } from '../bits.js'
import { TableCache, cellTable, sketchSetBits } from '../hash-tables.js'
import { intervalAlpha, invertIntegerBelt } from '../stats/intervals.js'
import type {
  Calibration,
  Estimate,
  Plan,
  PlanRequest,
  QueryOptions,
  RecordBuilder,
  RecordEstimator,
  SketchMechanism,
} from './mechanism.js'
import { rejectUnknownOptions } from './mechanism.js'
import { chooseParityParameters, collisionInversionTable, parityBelt, paritySaturation } from '../stats/parity-model.js'

/** Default per-record memory cap of the parameter chooser (bytes). */
export const DEFAULT_MAX_BYTES_PER_RECORD = 4096
/** Level of the belt stored by `calibrate`. */
export const CALIBRATED_CONFIDENCE = 0.95
const CALIBRATION_MODEL = 'parity-exact-belt-v1'
const OPTION_KEYS = ['cells', 'repetitions', 'maxBytesPerRecord']

export interface ParityParams {
  hashSeed: string
  /** M: cells per repetition (power of two ≥ 32). */
  cells: number
  /** L: repetitions. */
  repetitions: number
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer`)
  }
  return value
}

function isPowerOfTwo(x: number): boolean {
  return x >= 1 && (x & (x - 1)) === 0
}

/** Validates the request fields shared by the Hamming mechanisms. */
export function checkPlanRequest(req: PlanRequest, hashSeed: string): void {
  positiveInteger(req.n, 'n')
  positiveInteger(req.k, 'k')
  positiveInteger(req.epsilonMicro, 'epsilonMicro')
  positiveInteger(req.unitBits, 'unitBits')
  if (req.k > req.n) throw new RangeError('k cannot exceed the record length n')
  if (req.unitBits > req.n) throw new RangeError('unitBits cannot exceed the record length n')
  if (typeof hashSeed !== 'string' || hashSeed.length === 0) throw new RangeError('hash seed must be a non-empty string')
  if (req.options === null || typeof req.options !== 'object') throw new RangeError('options must be an object')
}

export function parityParams(plan: Plan): ParityParams {
  if (plan.mechanism !== 'parity') throw new RangeError('not a parity plan')
  const { hashSeed, cells, repetitions } = plan.params
  if (typeof hashSeed !== 'string' || hashSeed.length === 0) throw new RangeError('plan has no hash seed')
  const M = positiveInteger(cells, 'cells')
  const L = positiveInteger(repetitions, 'repetitions')
  if (M < 32 || !isPowerOfTwo(M)) throw new RangeError('cells must be a power of two ≥ 32')
  return { hashSeed, cells: M, repetitions: L }
}

const tables = new TableCache<Uint32Array>(4)

/**
 * Absolute cell of every (position, repetition): table[i·L + r] = r·M + h_r(i), h_r from the public
 * stream (seed, "parity/r"). Cached per (seed, n, M, L).
 */
export function parityCellTable(hashSeed: string, n: number, M: number, L: number): Uint32Array {
  return tables.get(JSON.stringify([hashSeed, n, M, L]), () => {
    const table = new Uint32Array(n * L)
    for (let r = 0; r < L; r++) {
      const h = cellTable(hashSeed, `parity/${r}`, n, M)
      for (let i = 0; i < n; i++) table[i * L + r] = r * M + h[i]
    }
    return table
  })
}

/**
 * Clean parity sketch of the n-bit string at record[recordOffset..] into out[outOffset..] (L·M/32
 * words, overwritten). Used for query strings, and by the builder before randomized response.
 */
export function parityCleanSketch(
  plan: Plan,
  record: Uint32Array,
  recordOffset: number,
  out: Uint32Array,
  outOffset: number,
): void {
  const { hashSeed, cells: M, repetitions: L } = parityParams(plan)
  const table = parityCellTable(hashSeed, plan.n, M, L)
  out.fill(0, outOffset, outOffset + plan.wordsPerRecord)
  sketchSetBits(record, recordOffset, plan.n, table, L, out, outOffset)
}

/**
 * The estimator before clipping to [0, n] (exposed for accuracy tests): mean over repetitions of the
 * clamped inversions of the counts C_r.
 */
export function parityRawEstimate(counts: ArrayLike<number>, M: number, pTilde: number): number {
  const inv = collisionInversionTable(M, pTilde)
  let sum = 0
  for (let r = 0; r < counts.length; r++) sum += inv[counts[r]]
  return sum / counts.length
}

/** The realised flip probability an estimator can divide by 1 − 2p̃ with. */
export function checkPTilde(pTilde: number): void {
  if (!(pTilde > 0 && pTilde < 0.5)) throw new RangeError('flip probability must be in (0, 1/2)')
}

interface ParityCalibration {
  model: string
  pTilde: number
  alpha: number
  sSat: number
  accLo: number[]
  accHi: number[]
}

function readCalibration(calibration: Calibration, pTilde: number): ParityCalibration | null {
  const c = calibration as Partial<ParityCalibration>
  if (c.model !== CALIBRATION_MODEL) return null
  if (c.pTilde !== pTilde) throw new RangeError('calibration was computed for a different flip probability')
  if (!Array.isArray(c.accLo) || !Array.isArray(c.accHi) || typeof c.alpha !== 'number') {
    throw new RangeError('malformed parity calibration')
  }
  return c as ParityCalibration
}

const belts = new TableCache<{ accLo: ArrayLike<number>; accHi: ArrayLike<number> }>(16)

interface AnswerTables {
  /** L = 1: the complete answer for every count C. */
  byCount: Estimate[] | null
  /** T̂_r per count (L > 1). */
  inversion: Float64Array
  low: Int32Array
  high: Int32Array
  sSat: number
  tCap: number
}

const answers = new TableCache<AnswerTables>(16)

function answerTables(plan: Plan, pTilde: number, alpha: number, stored: ParityCalibration | null): AnswerTables {
  const { cells: M, repetitions: L } = parityParams(plan)
  const n = plan.n
  const key = JSON.stringify([M, L, pTilde, alpha, n])
  return answers.get(key, () => {
    const { tCap, sSat } = paritySaturation(M, L, pTilde)
    const belt =
      stored !== null && Math.abs(stored.alpha - alpha) <= 1e-15 * alpha && stored.sSat === sSat
        ? stored
        : belts.get(key, () => parityBelt(M, L, pTilde, alpha, n, sSat))
    const { low, high } = invertIntegerBelt(belt.accLo, belt.accHi, L * M, n)
    const inversion = collisionInversionTable(M, pTilde)
    const cap = Math.min(tCap, n)
    let byCount: Estimate[] | null = null
    if (L === 1) {
      byCount = new Array<Estimate>(M + 1)
      for (let c = 0; c <= M; c++) {
        byCount[c] =
          c >= sSat
            ? Object.freeze({ estimate: cap, ciLow: Math.min(low[c], cap), ciHigh: n, status: 'saturated' as const })
            : Object.freeze({
                estimate: Math.min(Math.max(inversion[c], 0), n),
                ciLow: low[c],
                ciHigh: high[c],
                status: 'ok' as const,
                unbiased: inversion[c],
              })
      }
    }
    return { byCount, inversion, low, high, sSat, tCap: cap }
  })
}

export const parity: SketchMechanism = {
  name: 'parity',
  metric: 'hamming',

  plan(req: PlanRequest, hashSeed: string): Plan {
    checkPlanRequest(req, hashSeed)
    rejectUnknownOptions('parity', req.options, OPTION_KEYS)
    const o = req.options
    const maxBytesPerRecord =
      o.maxBytesPerRecord === undefined ? DEFAULT_MAX_BYTES_PER_RECORD : positiveInteger(o.maxBytesPerRecord, 'maxBytesPerRecord')
    const cells = o.cells === undefined ? undefined : positiveInteger(o.cells, 'cells')
    if (cells !== undefined && (cells < 32 || !isPowerOfTwo(cells))) throw new RangeError('cells must be a power of two ≥ 32')
    const repetitions = o.repetitions === undefined ? undefined : positiveInteger(o.repetitions, 'repetitions')
    if (repetitions !== undefined && repetitions > 64) throw new RangeError('repetitions must be at most 64')

    const choice = chooseParityParameters({
      k: req.k,
      epsilonMicro: req.epsilonMicro,
      unitBits: req.unitBits,
      maxBytesPerRecord,
      cells,
      repetitions,
    })
    const M = choice.cells
    const L = choice.repetitions
    const delta = L * req.unitBits
    const sd = choice.predictedSd
    const notes = [
      `parity sketch: ${L} repetition(s) of ${M} cells; one protected change toggles at most Δ = ${delta} cells; ` +
        `each cell flipped with probability ${choice.pTilde.toPrecision(4)}`,
      `distances above about ${M / 4} (= M/4) are reported as saturated lower bounds`,
    ]
    if (M < 4 * req.k) notes.push(`M < 4k: distances near k may saturate, and the predicted sd is optimistic there`)
    // Reliable means the estimates can rank records: the sd at d = k must be at most k/4 (docs/linkage.md#choosing-k-and-what-unitbits-protects).
    const reliable = sd.atK <= req.k / 4
    if (!reliable) notes.push(`predicted sd at d = k (${sd.atK.toFixed(1)}) exceeds k/4 = ${req.k / 4}: the estimates cannot rank records at this ε`)
    return {
      mechanism: 'parity',
      metric: 'hamming',
      n: req.n,
      k: req.k,
      epsilonMicro: req.epsilonMicro,
      unitBits: req.unitBits,
      params: { hashSeed, cells: M, repetitions: L, maxBytesPerRecord, saturationDistance: M / 4 },
      delta,
      wordsPerRecord: (L * M) >>> 5,
      predictedSd: sd,
      reliable,
      notes,
    }
  },

  builder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder {
    const { hashSeed, cells: M, repetitions: L } = parityParams(plan)
    if (flip.delta !== plan.delta || flip.epsilonMicro !== plan.epsilonMicro) {
      throw new RangeError('flip probability does not match the plan (ε or Δ differ)')
    }
    const n = plan.n
    const table = parityCellTable(hashSeed, n, M, L)
    const words = plan.wordsPerRecord
    const nCells = L * M
    return (record, recordOffset, out, outOffset) => {
      out.fill(0, outOffset, outOffset + words)
      sketchSetBits(record, recordOffset, n, table, L, out, outOffset)
      randomizedResponse(out, outOffset, nCells, flip, noise)
    }
  },

  calibrate(plan: Plan, pTilde: number): Calibration {
    const { cells: M, repetitions: L } = parityParams(plan)
    checkPTilde(pTilde)
    const alpha = 1 - CALIBRATED_CONFIDENCE
    const { sSat } = paritySaturation(M, L, pTilde)
    const belt = parityBelt(M, L, pTilde, alpha, plan.n, sSat)
    return {
      model: CALIBRATION_MODEL,
      pTilde,
      alpha,
      sSat,
      accLo: Array.from(belt.accLo),
      accHi: Array.from(belt.accHi),
    }
  },

  prepareQuery(
    plan: Plan,
    pTilde: number,
    calibration: Calibration,
    query: Uint32Array,
    options: QueryOptions,
  ): RecordEstimator {
    const { cells: M, repetitions: L } = parityParams(plan)
    checkPTilde(pTilde)
    if (query.length < wordsFor(plan.n)) throw new RangeError('query is shorter than the record length')
    const alpha = intervalAlpha(options)
    const tablesForQuery = answerTables(plan, pTilde, alpha, readCalibration(calibration, pTilde))
    const q = new Uint32Array(plan.wordsPerRecord)
    parityCleanSketch(plan, query, 0, q, 0)
    const W = M >>> 5

    if (tablesForQuery.byCount !== null) {
      const byCount = tablesForQuery.byCount
      if (W === 1) {
        const q0 = q[0]
        const single: RecordEstimator = (sketch, offset) => byCount[popcount32(sketch[offset] ^ q0)]
        single.byCount = { query: q, estimates: byCount }
        return single
      }
      // W is even (M ≥ 64). Two words share the 2- and 4-bit stages; bytes (≤ 16) are summed by one
      // multiply per pair. Inlined here: this closure runs once per stored record.
      const counted: RecordEstimator = (sketch, offset) => {
        let C = 0
        for (let w = 0; w < W; w += 2) {
          let x = sketch[offset + w] ^ q[w]
          let y = sketch[offset + w + 1] ^ q[w + 1]
          x -= (x >>> 1) & 0x55555555
          y -= (y >>> 1) & 0x55555555
          x = (x & 0x33333333) + ((x >>> 2) & 0x33333333) + (y & 0x33333333) + ((y >>> 2) & 0x33333333)
          x = (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f)
          C += Math.imul(x, 0x01010101) >>> 24
        }
        return byCount[C]
      }
      counted.byCount = { query: q, estimates: byCount }
      return counted
    }

    const { inversion, low, high, sSat, tCap } = tablesForQuery
    const n = plan.n
    return (sketch, offset) => {
      let S = 0
      let sum = 0
      for (let r = 0; r < L; r++) {
        const C = xorPopcount(sketch, offset + r * W, q, r * W, W)
        S += C
        sum += inversion[C]
      }
      if (S >= sSat) return { estimate: tCap, ciLow: Math.min(low[S], tCap), ciHigh: n, status: 'saturated' }
      return { estimate: Math.min(Math.max(sum / L, 0), n), ciLow: low[S], ciHigh: high[S], status: 'ok', unbiased: sum / L }
    }
  },
}
