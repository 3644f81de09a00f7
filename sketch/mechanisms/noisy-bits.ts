/**
 * Mechanism `noisy-bits` (edit distance; docs/mechanisms/noisy-bits.md).
 *
 * Stored per record: Ã = A ⊕ F, the n raw bits with randomized response, each bit flipped
 * independently with p̃ ≥ p = 1/(1 + e^{ε/Δ}) (privacy/randomized-response.ts). Neighbour relation:
 * at most unitBits positions of one record change; each position is exactly one stored cell, so
 * Δ = unitBits for every input (there is no hash). The release is ε-DP
 * (docs/mechanisms/noisy-bits.md#sensitivity), and a query is post-processing of it.
 *
 * Query (B in the clear, the querier's own string): Landau–Vishkin with the exact word-parallel LCE
 * on (Ã, B) (sketch/exact/landau-vishkin.ts), band k_b = k + ⌈n·p̃ + 4·√(n·p̃)⌉ + 5. Since Ã and A differ
 * in H ~ Bin(n, p̃) positions, |ED(Ã, B) − ED(A, B)| ≤ H exactly, and each flip far from an edit
 * adds one edit, so the estimate is the first-order debiased
 *
 *   ÊD = ED(Ã, B) − n·p̃, clipped to [0, n]. Unclipped, it is Estimate.unbiased: the simulated mean
 *   error of ED(Ã, B) − n·p̃ is a few hundredths of its sd (the flips' n·p̃ is the whole bias to first
 *   order), so its mean over records is their mean distance.
 *
 * Intervals: a randomized Neyman belt (sketch/stats/edit-calibration.ts) over Monte-Carlo tables of
 * G = ED(Ã, B) − ED(A, B) simulated for this (n, p̃, k), one stratum (G is dominated by the flip
 * count whatever the distance) with a table per edit pattern (isolated substitutions, local edits).
 * The region [gLo, gHi] has exact simulated mass = the level: its end values count only when the
 * record's public uniform U is below their probabilities (G takes few values: at n = 4096, ε = 10 it
 * is 0 or 1 for 98.5 % of records, so no deterministic interval is near 95 %). The interval is
 * [ED(Ã, B) − gHi, ED(Ã, B) − gLo] for the values accepted at U, widened to contain the estimate
 * (which adds no integer, see edit-calibration.ts). U is a hash of the plan's public parameters, p̃,
 * the query bits and the record ordinal (offset / wordsPerRecord): the same query on the same sketch
 * always gets the same intervals. Coverage is exactly the level averaged over U under the simulated
 * model. When the level is too extreme for the table (e.g. Bonferroni over many records), the
 * rigorous bound |G| ≤ H ≤ h is used instead (deterministic), with h from Bernstein's inequality for
 * Bin(n, p̃) at the tail 1 − level.
 *
 * Status `above_k` when LV does not finish by k_b: then ED(A, B) ≥ ED(Ã, B) − H > k_b − H ≥ k + 1
 * unless H > k_b − k (probability below 4·10^-5 for every n and p̃: the slack is over 4 sd), so the answer
 * is the lower bound estimate = ciLow = k + 1, ciHigh = n.
 *
 * Cost: n bits per record; a query is O(ED(Ã, B)·n/32) word operations per record in the worst case
 * plus O(k_b²) oracle calls, typically O(n/32 + k_b²). Not sublinear in n (lcp-tree is).
 */
import type { FlipProbability } from '../../privacy/randomized-response.js'
import { flipProbability, randomizedResponse } from '../../privacy/randomized-response.js'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { wordsFor } from '../bits.js'
import { TableCache } from '../hash-tables.js'
import { intervalAlpha } from '../stats/intervals.js'
import {
  BeltBuilder,
  ISOLATED_PATTERN,
  LOCAL_PATTERN,
  beltInterval,
  beltUniforms,
  calibrationNumber,
  calibrationSamples,
  preparedBeltOf,
} from '../stats/edit-calibration.js'
import { plantEdits, simulateFlips, syntheticRng, syntheticString } from '../stats/synthetic-edits.js'
import { WindowedLce, landauVishkin, lvRows, stringWindows } from '../exact/landau-vishkin.js'
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

/** Public seed of the calibration simulation (synthetic data, not privacy noise). */
export const NOISY_BITS_CALIBRATION_SEED = 'dpdist/noisy-bits/calibration/v1'

/** The LV band: k plus a 4-sd-plus-5 allowance for the H ~ Bin(n, p̃) edits the flips add. */
export function noisyBitsBand(n: number, k: number, pTilde: number): number {
  const mean = n * pTilde
  return Math.min(n, k + Math.ceil(mean + 4 * Math.sqrt(mean)) + 5)
}

/**
 * Bernstein upper bound h with P[Bin(n, p) > h] ≤ tail: h = np + t with
 * t = ln(1/tail)/3 + √(ln²(1/tail)/9 + 2·np(1−p)·ln(1/tail)).
 */
export function binomialUpperBound(n: number, p: number, tail: number): number {
  const l = Math.log(1 / tail)
  const v = n * p * (1 - p)
  return Math.min(n, Math.ceil(n * p + l / 3 + Math.sqrt((l * l) / 9 + 2 * v * l)))
}

function checkRequest(req: PlanRequest): void {
  const { n, k, epsilonMicro, unitBits, options } = req
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a positive integer')
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new RangeError('k must be an integer in [0, n]')
  if (!Number.isSafeInteger(epsilonMicro) || epsilonMicro <= 0) throw new RangeError('epsilon must be positive')
  if (!Number.isSafeInteger(unitBits) || unitBits < 1 || unitBits > n) {
    throw new RangeError('unitBits must be an integer in [1, n]')
  }
  rejectUnknownOptions('noisy-bits', options, [])
}

/** The clean (pre-noise) sketch of one record: its n bits, padding cleared. Exported for privacy tests. */
export function noisyBitsCleanSketch(n: number, record: Uint32Array, recordOffset: number, out: Uint32Array, outOffset: number): void {
  const words = wordsFor(n)
  for (let w = 0; w < words; w++) out[outOffset + w] = record[recordOffset + w]
  const used = n & 31
  if (used !== 0) out[outOffset + words - 1] &= -1 << (32 - used)
}

const calibrationCache = new TableCache<Calibration>(64)

function simulate(n: number, k: number, pTilde: number): Calibration {
  const band = noisyBitsBand(n, k, pTilde)
  // A pair costs about 2n (strings, planted edits) plus the two LV runs, ≤ 4·band² oracle calls;
  // 8 000 pairs at n = 4 096 (about half a second; 4 000 per edit pattern, so a coverage is known to
  // ±0.35 points), fewer for long strings or wide bands, none when too few would fit (then intervals
  // use the rigorous bound). The error is dominated by the Bin(n, p̃) flip count whatever the
  // distance, so one stratum, with a table per edit pattern (alternating pairs: isolated
  // substitutions, local edits).
  const samples = calibrationSamples(2 ** 28, 2 * n + 4 * band * band, 8000)
  const rng = syntheticRng(`${NOISY_BITS_CALIBRATION_SEED}/${n}/${k}/${pTilde}`)
  const belt = new BeltBuilder(k, 1, 2)
  const noisy = new Uint32Array(wordsFor(n))
  // Both distances of a pair (A and its noisy copy against B) from B's windows, extracted once.
  const bWindows = new Int32Array(n + 1)
  const exact = new WindowedLce(noisy, n, bWindows, n)
  const rows = lvRows(band)
  let sum = 0
  let sum2 = 0
  let finished = 0
  for (let s = 0; s < samples; s++) {
    const a = syntheticString(n, rng)
    const isolated = s % 2 === 0
    const pattern = isolated ? ISOLATED_PATTERN : LOCAL_PATTERN
    const b = plantEdits(a, n, s % (k + 1), rng, isolated ? 'isolated' : 'local')
    stringWindows(b, 0, n, bWindows)
    exact.records = a
    const truth = landauVishkin(n, n, k, exact, rows)
    if (truth === null) throw new Error('calibration: planted edits exceeded their budget')
    noisy.set(a)
    simulateFlips(noisy, 0, n, pTilde, rng)
    exact.records = noisy
    const observed = landauVishkin(n, n, band, exact, rows)
    if (observed === null) {
      belt.addOverflow(truth, pattern)
    } else {
      belt.add(truth, observed - truth, pattern)
      const e = observed - n * pTilde - truth
      sum += e
      sum2 += e * e
      finished++
    }
  }
  const meanError = finished > 0 ? sum / finished : 0
  const sdError = finished > 1 ? Math.sqrt(Math.max(0, (sum2 - finished * meanError * meanError) / (finished - 1))) : 0
  return { n, k, pTilde, band, samples, belt: belt.tables(), meanError, sdError }
}

export const noisyBits: SketchMechanism = {
  name: 'noisy-bits',
  metric: 'edit',

  plan(req: PlanRequest, _hashSeed: string): Plan {
    checkRequest(req)
    const { n, k, epsilonMicro, unitBits } = req
    const delta = unitBits
    const flip = flipProbability(epsilonMicro, delta)
    const mean = n * flip.pTilde
    const sd = Math.sqrt(mean * (1 - flip.pTilde))
    const notes = [
      `stores the ${n} bits of each record, each flipped with probability ${flip.pTilde.toPrecision(3)} ` +
        `(about ${mean.toPrecision(3)} flipped bits per record); estimates subtract that mean`,
      'query cost grows linearly with n (Landau–Vishkin on the noisy bits)',
    ]
    if (mean > k) notes.push(`the expected number of flipped bits (${mean.toPrecision(3)}) exceeds k: errors are large relative to k`)
    return {
      mechanism: 'noisy-bits',
      metric: 'edit',
      n,
      k,
      epsilonMicro,
      unitBits,
      params: { storedBits: n, band: noisyBitsBand(n, k, flip.pTilde) },
      delta,
      wordsPerRecord: wordsFor(n),
      predictedSd: { atZero: sd, atHalfK: sd, atK: sd },
      reliable: true,
      notes,
    }
  },

  builder(plan: Plan, flip: FlipProbability, noise: NoiseSource): RecordBuilder {
    if (flip.delta !== plan.delta || flip.epsilonMicro !== plan.epsilonMicro) {
      throw new RangeError('noisy-bits: flip probability does not match the plan')
    }
    const n = plan.n
    return (record, recordOffset, out, outOffset) => {
      noisyBitsCleanSketch(n, record, recordOffset, out, outOffset)
      randomizedResponse(out, outOffset, n, flip, noise)
    }
  },

  calibrate(plan: Plan, pTilde: number): Calibration {
    if (!(pTilde > 0 && pTilde <= 0.5)) throw new RangeError('pTilde must be in (0, 1/2]')
    return calibrationCache.get(`${plan.n}|${plan.k}|${pTilde}`, () => simulate(plan.n, plan.k, pTilde))
  },

  prepareQuery(plan: Plan, pTilde: number, calibration: Calibration, query: Uint32Array, options: QueryOptions): RecordEstimator {
    const { n, k } = plan
    if (query.length < wordsFor(n)) throw new RangeError(`query must have ${n} bits`)
    if (calibrationNumber(calibration, 'pTilde') !== pTilde || calibrationNumber(calibration, 'n') !== n) {
      throw new RangeError('noisy-bits: calibration does not match the sketch')
    }
    const band = noisyBitsBand(n, k, pTilde)
    const bias = n * pTilde
    const level = 1 - intervalAlpha(options)
    // The estimate is S − n·p̃: the belt's centre, so its intervals contain the estimate.
    const belt = preparedBeltOf(calibration.belt, k, n, level, bias)
    // The public uniform of each record for the randomized belt (record ordinal = offset / words).
    const wordsPerRecord = wordsFor(n)
    const uniform = beltUniforms(`noisy-bits|${n}|${k}|${plan.epsilonMicro}|${plan.unitBits}|${pTilde}`, query, n)
    // Rigorous fallback: |ED(Ã,B) − ED(A,B)| ≤ H ≤ h with probability ≥ level.
    const h = binomialUpperBound(n, pTilde, 1 - level)
    const clip = (x: number): number => (x < 0 ? 0 : x > n ? n : x)
    // One oracle and one pair of LV rows for the whole scan: the query's windows are extracted once.
    const oracle = new WindowedLce(query, n, stringWindows(query, 0, n), n)
    const rows = lvRows(band)
    return (sketch: Uint32Array, offset: number): Estimate => {
      oracle.records = sketch
      oracle.base = offset
      const observed = landauVishkin(n, n, band, oracle, rows)
      if (observed === null) {
        return { estimate: Math.min(k + 1, n), ciLow: Math.min(k + 1, n), ciHigh: n, status: 'above_k' }
      }
      const interval = belt === null ? null : beltInterval(belt, observed, uniform(Math.floor(offset / wordsPerRecord)))
      return {
        estimate: clip(observed - bias),
        ciLow: clip(interval === null ? observed - h : interval[0]),
        ciHigh: clip(interval === null ? observed + h : interval[1]),
        status: 'ok',
        unbiased: observed - bias,
      }
    }
  },
}
