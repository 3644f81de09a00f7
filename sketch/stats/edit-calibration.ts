/**
 * Monte-Carlo calibration of the confidence intervals of the private edit-distance mechanisms
 * (noisy-bits, lcp-tree; docs/intervals.md#randomized-belts and docs/intervals.md#calibration).
 *
 * Both mechanisms return an integer-valued statistic S (ED(Ã, B) for noisy-bits, the Landau–Vishkin
 * result over noisy equality tests for lcp-tree) whose error G = S − t, t = ED(A, B), has a
 * distribution that depends on n, the realised flip probability p̃, k, t and the edit pattern. We
 * simulate it on synthetic pairs: A uniform in {0,1}^n, B = A with planted edits (a budget cycling
 * through 0..k), the mechanism's own noise applied with p̃ (sketch/stats/synthetic-edits.ts). Pairs
 * alternate between two patterns with a table each (plantEdits): isolated substitutions (the most
 * separate mismatch sites per unit of distance: the most parity cancellations and LCE segments, the
 * widest G) and local edits (substitutions, short shifts and bursts: clustered sites, the narrowest
 * G). Typical edits lie between the two; the pattern of a record cannot be observed from its private
 * sketch.
 *
 * Confidence belt (Neyman construction, randomized): the true distances 0..k are split into a few
 * strata of consecutive values (one when G hardly depends on t). For a level ℓ each stratum gets an
 * acceptance region for G (randomizedRegion): a run of values, the inner ones always accepted and the
 * two end values only with probabilities pLo, pHi, chosen so that P[G accepted] is exactly ℓ under
 * the equal mixture of the two patterns. G is integer-valued, so any deterministic region has a mass
 * that jumps by whole atoms (noisy-bits at ε = 10: G ∈ {0, 1} for 98.5 % of records, so a
 * deterministic interval covers ≈ 82 % or ≈ 98.5 %); including a boundary value only with the
 * probability that makes the mass exactly ℓ is the standard cure (randomized, or "fuzzy", Neyman
 * intervals). Each (record, query) gets one uniform U ∈ [0, 1) (beltUniforms) and the reported
 * interval for an observed S is the hull of {t : S − t accepted at U by the region of t's stratum},
 * so it covers the true t with probability exactly ℓ averaged over U under the simulated model
 * (hulls across strata can only add coverage; beltMass computes the exact figure). U is a public
 * hash of the sketch's parameters, the query bits and the record's ordinal, neither privacy noise nor an
 * unseeded generator: the same query on the same sketch always gets the same intervals.
 *
 * The intervals always contain the point estimate S − c (c = n·p̃ for noisy-bits, the simulated mean
 * error for lcp-tree): every region's always-accepted core touches c, so adding the estimate to the
 * hull adds no integer t and does not change the coverage (an end of the interval can then be the
 * non-integer estimate, e.g. [6.87, 7]: only t = 7 is in it). When c is not an integer, an interval
 * can exclude S itself: lcp-tree at large ε has G = 0 for 99 % of local edits, so an interval that
 * always contained t = S would cover ≥ 99 % of them.
 *
 * Among the regions of exact mass ℓ, the one whose coverage differs least between the two patterns
 * (differences within the simulation's standard error count as equal), then the one with the fewest
 * expected accepted values (the randomized analogue of the shortest run). Where the patterns' error
 * distributions differ in width, no interval that ignores the pattern covers both at ℓ; the choice
 * balances them around ℓ (lcp-tree, n = 4096, k = 32, ε = 60: 93.6 % for isolated substitutions,
 * 96.4 % for mixed local edits in the tests). The last stratum also stands for t > k (the error
 * distribution is assumed not to change past the simulated range).
 *
 * The simulation draws from a seeded PRNG with a fixed public seed: it is calibration on synthetic
 * data, not privacy noise, and is deterministic so every process computes the same table.
 * Caveat: the tables describe uniformly random strings with planted edits; strongly repetitive data
 * can behave differently (callers add a rigorous fallback where one exists).
 */
import type { Calibration } from '../mechanisms/mechanism.js'
import { wordsFor } from '../bits.js'
import { fmix32 } from '../hash-tables.js'
import type { RandomizedRegion } from './belt-region.js'
import { MIN_TAIL_SAMPLES, randomizedRegion } from './belt-region.js'

/** Histogram of the integer error G = S − ED(A, B); `overflow` counts runs where S was censored. */
export interface ErrorTable {
  /** Smallest value of G that has a bin. */
  min: number
  /** counts[v − min] = number of simulated runs with G = v. */
  counts: number[]
  /** Runs where the mechanism gave up (S above its cap): G unknown, larger than any bin. */
  overflow: number
  samples: number
}

export class ErrorTableBuilder {
  readonly #values = new Map<number, number>()
  #overflow = 0
  #samples = 0

  add(g: number): void {
    this.#values.set(g, (this.#values.get(g) ?? 0) + 1)
    this.#samples++
  }

  addOverflow(): void {
    this.#overflow++
    this.#samples++
  }

  table(): ErrorTable {
    const keys = [...this.#values.keys()]
    const min = keys.length === 0 ? 0 : Math.min(...keys)
    const max = keys.length === 0 ? -1 : Math.max(...keys)
    const counts: number[] = []
    for (let v = min; v <= max; v++) counts.push(this.#values.get(v) ?? 0)
    return { min, counts, overflow: this.#overflow, samples: this.#samples }
  }
}

/** Validates an ErrorTable read back from a Calibration (it may come from storage or a worker). */
export function readErrorTable(value: unknown): ErrorTable {
  const t = value as Partial<ErrorTable> | null
  if (
    t === null ||
    typeof t !== 'object' ||
    !Number.isInteger(t.min) ||
    !Array.isArray(t.counts) ||
    !t.counts.every((c) => Number.isInteger(c) && c >= 0) ||
    !Number.isInteger(t.overflow) ||
    !Number.isInteger(t.samples) ||
    (t.samples as number) <= 0 ||
    t.counts.reduce((s, c) => s + c, 0) + (t.overflow as number) !== t.samples
  ) {
    throw new RangeError('calibration: malformed error table')
  }
  return t as ErrorTable
}

/** Reads a numeric field of a Calibration, throwing on anything else. */
export function calibrationNumber(cal: Calibration, key: string): number {
  const v = cal[key]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`calibration: missing or invalid ${key}`)
  return v
}

/** Strata of true distances: stratum b of `strata` holds t with ⌊t·strata/(k+1)⌋ = b; t > k goes to the last. */
export function stratumOf(t: number, k: number, strata: number): number {
  return t > k ? strata - 1 : Math.floor((t * strata) / (k + 1))
}

/** Pattern index of pairs with isolated substitutions only in a two-pattern belt. */
export const ISOLATED_PATTERN = 0
/** Pattern index of pairs with local edits (plantEdits 'local') in a two-pattern belt. */
export const LOCAL_PATTERN = 1

/**
 * Histograms of G per stratum of the true distance and per simulated edit pattern (a belt may have a
 * single pattern; the mechanisms use two, ISOLATED_PATTERN and LOCAL_PATTERN).
 */
export class BeltBuilder {
  readonly #tables: ErrorTableBuilder[][]

  constructor(
    readonly k: number,
    readonly strata: number,
    readonly patterns = 1,
  ) {
    if (!Number.isInteger(strata) || strata < 1 || strata > k + 1) throw new RangeError('strata must be in [1, k + 1]')
    if (!Number.isInteger(patterns) || patterns < 1) throw new RangeError('patterns must be a positive integer')
    this.#tables = Array.from({ length: strata }, () => Array.from({ length: patterns }, () => new ErrorTableBuilder()))
  }

  add(truth: number, g: number, pattern = 0): void {
    this.#tables[stratumOf(truth, this.k, this.strata)][pattern].add(g)
  }

  addOverflow(truth: number, pattern = 0): void {
    this.#tables[stratumOf(truth, this.k, this.strata)][pattern].addOverflow()
  }

  /** tables()[b][π]: stratum b, pattern π; none at all when some (stratum, pattern) saw no pair. */
  tables(): ErrorTable[][] {
    const tables = this.#tables.map((row) => row.map((b) => b.table()))
    return tables.some((row) => row.some((t) => t.samples === 0)) ? [] : tables
  }
}

/**
 * Validates the per-stratum, per-pattern tables read back from a Calibration. A stratum stored as a
 * single table (calibrations made before the pattern split) reads as one pattern.
 */
export function readBelt(value: unknown): ErrorTable[][] {
  if (!Array.isArray(value)) throw new RangeError('calibration: malformed belt')
  return value.map((stratum: unknown) => {
    if (!Array.isArray(stratum)) return [readErrorTable(stratum)]
    if (stratum.length === 0) throw new RangeError('calibration: malformed belt')
    return stratum.map(readErrorTable)
  })
}

/**
 * How many pairs to simulate: `budget` work units over `costPerSample`, at most `max`; 0 (skip the
 * simulation, callers fall back to their wide intervals) when fewer than 20·20 = 400 pairs would fit,
 * since a table that small cannot resolve a 95 % interval (MIN_TAIL_SAMPLES).
 */
export function calibrationSamples(budget: number, costPerSample: number, max: number): number {
  const fit = Math.min(max, Math.floor(budget / Math.max(1, costPerSample)))
  return fit < 20 * MIN_TAIL_SAMPLES ? 0 : fit
}

/** Randomized acceptance regions of a belt at one level, ready for per-record inversion. */
export interface PreparedBelt {
  k: number
  n: number
  /** The point estimate for a statistic S is clip(S − centre) to [0, n] (beltEstimate). */
  centre: number
  /** regions[b]: the randomized region of stratum b. */
  regions: RandomizedRegion[]
  /** The simulated tables, tables[b][π] (beltMass reads them). */
  tables: ErrorTable[][]
}

/**
 * The belt at level `level` for estimates S − centre, or null when some stratum cannot resolve it
 * (too few simulated runs outside the region, see randomizedRegion): callers then use their fallback
 * interval.
 */
export function prepareBelt(tables: ErrorTable[][], k: number, n: number, level: number, centre = 0): PreparedBelt | null {
  if (tables.length === 0) return null
  const regions: RandomizedRegion[] = []
  for (const stratum of tables) {
    const r = randomizedRegion(stratum, level, centre)
    if (r === null) return null
    regions.push(r)
  }
  return { k, n, centre, regions, tables }
}

const preparedBelts = new WeakMap<object, Map<string, PreparedBelt | null>>()

/**
 * prepareBelt(readBelt(belt), …) for a calibration's stored belt, kept per belt object and
 * (k, n, level, centre): the regions depend on the calibration and the confidence level only, not on
 * the query, so a sketch's queries share them instead of rebuilding them (about 0.1 ms) each time.
 */
export function preparedBeltOf(belt: unknown, k: number, n: number, level: number, centre = 0): PreparedBelt | null {
  if (typeof belt !== 'object' || belt === null) return prepareBelt(readBelt(belt), k, n, level, centre)
  let byKey = preparedBelts.get(belt)
  if (byKey === undefined) {
    byKey = new Map()
    preparedBelts.set(belt, byKey)
  }
  const key = `${k}|${n}|${level}|${centre}`
  let prepared = byKey.get(key)
  if (prepared === undefined) {
    prepared = prepareBelt(readBelt(belt), k, n, level, centre)
    byKey.set(key, prepared)
  }
  return prepared
}

/** The point estimate clip(S − centre) to [0, n]. */
export function beltEstimate(belt: PreparedBelt, s: number): number {
  const e = s - belt.centre
  return e < 0 ? 0 : e > belt.n ? belt.n : e
}

/**
 * Confidence interval for the true distance t ∈ [0, n] given the observed statistic S and the
 * record's public uniform U: the hull of {t : S − t accepted by the region of t's stratum at U} and
 * the estimate beltEstimate(S), within [0, n]. Returns null when no t is accepted.
 */
export function beltInterval(belt: PreparedBelt, s: number, u: number): [number, number] | null {
  const { k, n, regions } = belt
  const strata = regions.length
  let lo = Infinity
  let hi = -Infinity
  for (let b = 0; b < strata; b++) {
    const r = regions[b]
    const gLo = u < r.pLo ? r.lo : r.lo + 1
    const gHi = u < r.pHi ? r.hi : r.hi - 1
    // Stratum b holds t from ⌈b(k+1)/strata⌉ to ⌈(b+1)(k+1)/strata⌉ − 1; the last also t > k.
    const t0 = Math.ceil((b * (k + 1)) / strata)
    const t1 = b === strata - 1 ? n : Math.ceil(((b + 1) * (k + 1)) / strata) - 1
    const a = Math.max(t0, s - gHi)
    const z = Math.min(t1, s - gLo)
    if (a <= z) {
      if (a < lo) lo = a
      if (z > hi) hi = z
    }
  }
  if (lo > hi) return null
  const e = beltEstimate(belt, s)
  lo = Math.max(0, Math.min(lo, e))
  hi = Math.min(n, Math.max(hi, e))
  return [lo, hi]
}

/**
 * Simulated coverage of the randomized belt (averaged over U, exactly: the intervals change only
 * where U crosses a region's pLo or pHi) for records with the given true distances, under the pooled
 * model or one pattern's table. Overflow runs count as not covered; a null interval (callers' wide
 * fallback) as covered. For tests and reports.
 */
export function beltMass(belt: PreparedBelt, truths: number[], pattern?: number): number {
  const cuts = [0, 1]
  for (const r of belt.regions) for (const p of [r.pLo, r.pHi]) if (p > 0 && p < 1) cuts.push(p)
  cuts.sort((a, b) => a - b)
  const covered = (t: number, s: number): number => {
    let c = 0
    for (let q = 0; q + 1 < cuts.length; q++) {
      const width = cuts[q + 1] - cuts[q]
      if (width <= 0) continue
      const iv = beltInterval(belt, s, (cuts[q] + cuts[q + 1]) / 2)
      if (iv === null || (iv[0] <= t && t <= iv[1])) c += width
    }
    return c
  }
  const memo = new Map<number, number>()
  let sum = 0
  for (const t of truths) {
    let m = memo.get(t)
    if (m === undefined) {
      const stratum = belt.tables[stratumOf(t, belt.k, belt.regions.length)]
      const use = pattern === undefined ? stratum : [stratum[pattern]]
      m = 0
      for (const table of use) {
        table.counts.forEach((c, q) => {
          if (c > 0) m! += (c / table.samples / use.length) * covered(t, t + table.min + q)
        })
      }
      memo.set(t, m)
    }
    sum += m
  }
  return sum / truths.length
}


/**
 * The public uniforms U of the randomized belt for one query: U(ordinal) ∈ [0, 1) is a hash of
 * `label` (the sketch's public parameters: mechanism, n, k, ε, unitBits, hash seed), the query's n
 * bits and the record's ordinal. U is neither privacy noise nor an unseeded generator: it is public,
 * independent of the data and of the sketch noise, and deterministic, so the same query on the same
 * sketch always gets the same intervals (in any worker thread, after a restart). Across records it
 * behaves as independent uniforms, which is what the coverage of the randomized belt averages over.
 */
export function beltUniforms(label: string, query: Uint32Array, n: number): (ordinal: number) => number {
  let h1 = 0x811c9dc5
  let h2 = 0x6a09e667
  for (let q = 0; q < label.length; q++) {
    h1 = fmix32(h1 ^ label.charCodeAt(q))
    h2 = fmix32(Math.imul(h2, 0x9e3779b1) ^ label.charCodeAt(q))
  }
  const words = wordsFor(n)
  for (let w = 0; w < words; w++) {
    // Padding bits past n are not part of the query.
    const word = w === words - 1 && (n & 31) !== 0 ? query[w] & (-1 << (32 - (n & 31))) : query[w]
    h1 = fmix32(h1 ^ word)
    h2 = fmix32(Math.imul(h2 ^ word, 0x9e3779b1) ^ 0x5bd1e995)
  }
  return (ordinal: number) => fmix32(fmix32(h1 ^ ordinal) ^ h2) / 2 ** 32
}
