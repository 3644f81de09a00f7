/**
 * Monte-Carlo calibration of the confidence intervals of the private edit-distance mechanisms
 * (noisy-bits, lcp-tree; paper-notes §5.5, §5.6 and §6 "For E1/E0: the CI ... calibrated by
 * simulation").
 *
 * Both mechanisms return an integer-valued statistic S (ED(Ã, B) for noisy-bits, the Landau–Vishkin
 * result over noisy equality tests for lcp-tree) whose error G = S − t, t = ED(A, B), has a
 * distribution that depends on n, the realised flip probability p̃, k and t. We simulate it on
 * synthetic pairs: A uniform in {0,1}^n, B = A with planted edits (a budget cycling through 0..k;
 * half of the pairs get isolated substitutions only, half a mix of substitutions, deletion+insertion
 * pairs near and far apart and short substitution bursts; see plantEdits), the mechanism's own noise
 * applied with p̃. Isolated substitutions are the unfavourable case for lcp-tree (the most mismatch
 * pairs that can cancel in a parity word, the most LCE segments), so its tables lean conservative
 * for clustered edits.
 *
 * Confidence belt (Neyman construction): the true distances 0..k are split into a few strata of
 * consecutive values, with a histogram of G per stratum (one stratum when G hardly depends on t).
 * For a level ℓ each stratum gets the shortest run of consecutive values [gLo, gHi] holding at least
 * ℓ of its simulated mass (its acceptance region: S ∈ [t + gLo, t + gHi]), and the interval reported
 * for an observed S is the hull of {t : S − gHi(t) ≤ t ≤ S − gLo(t)}, so it covers the true t
 * whenever S falls in t's acceptance region, i.e. with probability ≥ ℓ for every t (under the
 * simulated model). G is integer-valued, so the realised coverage is the mass of the run, which can
 * exceed ℓ by up to one atom (the smallest honest deterministic interval). The last stratum also
 * stands for t > k (the error distribution is assumed not to change past the simulated range).
 * Why the shortest run and not the mid-p central region sketch/intervals.ts uses for exact pmfs: the
 * errors here are skewed and take few values, and the shortest run is both never below ℓ under the
 * model and closer to ℓ (noisy-bits, n = 4096, ε = 8: mass 95.4 % for [0, 3] where the mid-p central
 * region is [0, 4] with 98.6 %).
 *
 * The simulation draws from a seeded PRNG with a fixed public seed: it is calibration on synthetic
 * data, not privacy noise, and is deterministic so every process computes the same table.
 * Caveat: the tables describe uniformly random strings with planted edits; strongly repetitive data
 * can behave differently (callers add a rigorous fallback where one exists).
 */
import seedrandom from 'seedrandom'
import type { Calibration } from './mechanism.js'
import { getBit, randomBits, wordsFor } from './bits.js'

/** Deterministic generator for calibration and synthetic data (never for privacy noise). */
export interface SyntheticRng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number
  /** Uniform double in (0, 1]. */
  nextOpen(): number
}

export function syntheticRng(seed: string): SyntheticRng {
  const prng = seedrandom.alea(seed)
  return {
    nextUint32: () => prng.int32() >>> 0,
    nextOpen: () => 1 - prng.double(),
  }
}

/**
 * Flips each of cells 0..nCells−1 of the string at words[offset..] independently with probability p
 * (simulation only: geometric gaps between flips, O(nCells·p) draws).
 */
export function simulateFlips(words: Uint32Array, offset: number, nCells: number, p: number, rng: SyntheticRng): number {
  if (!(p > 0)) return 0
  if (p > 0.5) throw new RangeError('simulateFlips: p must be at most 1/2')
  const logQ = Math.log1p(-p)
  let flips = 0
  let c = Math.floor(Math.log(rng.nextOpen()) / logQ)
  while (c < nCells) {
    words[offset + (c >>> 5)] ^= 1 << (31 - (c & 31))
    flips++
    c += 1 + Math.floor(Math.log(rng.nextOpen()) / logQ)
  }
  return flips
}

/**
 * A copy of the n-bit string `base` with planted edits of total cost ≤ budget (so its edit distance
 * to `base` is at most budget) and the same length. Each step picks one of four kinds uniformly
 * (the last three only when at least 2 remain): a substitution (cost 1); a deletion and an insertion
 * of a random bit at independent random positions (cost ≤ 2); a local shift, deletion and insertion
 * 1–64 positions apart (cost ≤ 2); a burst of 2–3 adjacent substitutions (cost ≤ its length).
 * With `substitutionsOnly`, every step is a substitution at a uniform position (isolated
 * mismatches: the most separate LCE segments and mismatch pairs per unit of distance).
 */
export function plantEdits(
  base: Uint32Array,
  n: number,
  budget: number,
  rng: SyntheticRng,
  substitutionsOnly = false,
): Uint32Array {
  const bits = new Uint8Array(n + 1)
  for (let i = 0; i < n; i++) bits[i] = getBit(base, i)
  let remaining = budget
  while (remaining > 0 && n > 0) {
    const u = rng.nextUint32()
    const kind = remaining >= 2 && n > 1 && !substitutionsOnly ? u & 3 : 0
    const at = (u >>> 2) % n
    if (kind === 1 || kind === 2) {
      bits.copyWithin(at, at + 1, n)
      const to = kind === 1 ? rng.nextUint32() % n : Math.min(n - 1, at + 1 + (rng.nextUint32() & 63))
      bits.copyWithin(to + 1, to, n - 1)
      bits[to] = (u >>> 31) & 1
      remaining -= 2
    } else if (kind === 3) {
      const len = remaining >= 3 && (u & 4) !== 0 ? 3 : 2
      for (let q = 0; q < len && at + q < n; q++) bits[at + q] ^= 1
      remaining -= len
    } else {
      bits[at] ^= 1
      remaining -= 1
    }
  }
  const out = new Uint32Array(wordsFor(n))
  for (let i = 0; i < n; i++) if (bits[i] === 1) out[i >>> 5] |= 1 << (31 - (i & 31))
  return out
}

/** A uniformly random n-bit string from the synthetic generator. */
export function syntheticString(n: number, rng: SyntheticRng): Uint32Array {
  return randomBits(n, rng.nextUint32)
}

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

/** Mean and standard deviation of the tabulated error (overflow excluded). */
export function errorMoments(table: ErrorTable): { mean: number; sd: number } {
  let s = 0
  let s2 = 0
  let w = 0
  table.counts.forEach((c, q) => {
    const v = table.min + q
    s += c * v
    s2 += c * v * v
    w += c
  })
  if (w === 0) return { mean: 0, sd: 0 }
  const mean = s / w
  return { mean, sd: Math.sqrt(Math.max(0, s2 / w - mean * mean)) }
}

/** Fewest simulated runs that must fall outside an interval for its tails to be resolved by the table. */
export const MIN_TAIL_SAMPLES = 20

export interface ErrorInterval {
  /** Smallest and largest error value inside the interval. */
  lo: number
  hi: number
  /** Simulated probability of lo ≤ G ≤ hi (≥ the requested level). */
  mass: number
}

/**
 * The shortest run [lo, hi] of error values with simulated mass ≥ level (ties: larger mass, then the
 * more balanced tails), or null when the table cannot resolve the level (fewer than
 * MIN_TAIL_SAMPLES runs would fall outside, or the overflow mass alone exceeds 1 − level).
 */
export function errorInterval(table: ErrorTable, level: number): ErrorInterval | null {
  if (!(level > 0 && level < 1)) throw new RangeError('confidence level must be in (0, 1)')
  const need = level * table.samples
  if ((1 - level) * table.samples < MIN_TAIL_SAMPLES) return null
  const c = table.counts
  let best: { a: number; b: number; mass: number; imbalance: number } | null = null
  let total = 0
  for (const x of c) total += x
  // Two pointers over the bins: for each left end, the smallest right end reaching `need`.
  let b = -1
  let mass = 0
  for (let a = 0; a < c.length; a++) {
    while (mass < need && b + 1 < c.length) mass += c[++b]
    if (mass < need) break
    let below = 0
    for (let q = 0; q < a; q++) below += c[q]
    const above = total - below - mass + table.overflow
    const imbalance = Math.abs(below - above)
    if (
      best === null ||
      b - a < best.b - best.a ||
      (b - a === best.b - best.a && (mass > best.mass || (mass === best.mass && imbalance < best.imbalance)))
    ) {
      best = { a, b, mass, imbalance }
    }
    mass -= c[a]
  }
  if (best === null) return null
  return { lo: table.min + best.a, hi: table.min + best.b, mass: best.mass / table.samples }
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

/** Histograms of G per stratum of the true distance. */
export class BeltBuilder {
  readonly #tables: ErrorTableBuilder[]

  constructor(
    readonly k: number,
    readonly strata: number,
  ) {
    if (!Number.isInteger(strata) || strata < 1 || strata > k + 1) throw new RangeError('strata must be in [1, k + 1]')
    this.#tables = Array.from({ length: strata }, () => new ErrorTableBuilder())
  }

  add(truth: number, g: number): void {
    this.#tables[stratumOf(truth, this.k, this.strata)].add(g)
  }

  addOverflow(truth: number): void {
    this.#tables[stratumOf(truth, this.k, this.strata)].addOverflow()
  }

  /** The per-stratum tables, or none at all when some stratum saw no pair. */
  tables(): ErrorTable[] {
    const tables = this.#tables.map((b) => b.table())
    return tables.some((t) => t.samples === 0) ? [] : tables
  }
}

/** Validates the per-stratum tables read back from a Calibration. */
export function readBelt(value: unknown): ErrorTable[] {
  if (!Array.isArray(value)) throw new RangeError('calibration: malformed belt')
  return value.map(readErrorTable)
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

/** Acceptance regions of a belt at one level, ready for per-record inversion. */
export interface PreparedBelt {
  k: number
  n: number
  /** regions[b] = [gLo, gHi] of stratum b. */
  regions: ErrorInterval[]
}

/**
 * The belt at level `level`, or null when some stratum cannot resolve it (too few simulated runs
 * outside the region, see errorInterval): callers then use their fallback interval.
 */
export function prepareBelt(tables: ErrorTable[], k: number, n: number, level: number): PreparedBelt | null {
  if (tables.length === 0) return null
  const regions: ErrorInterval[] = []
  for (const table of tables) {
    const r = errorInterval(table, level)
    if (r === null) return null
    regions.push(r)
  }
  return { k, n, regions }
}

/**
 * Confidence interval for the true distance t ∈ [0, n] given the observed statistic S: the hull of
 * {t : S − gHi(t) ≤ t ≤ S − gLo(t)}. Returns null when that set is empty (S outside every region).
 */
export function beltInterval(belt: PreparedBelt, s: number): [number, number] | null {
  const { k, n, regions } = belt
  const strata = regions.length
  let lo = Infinity
  let hi = -Infinity
  for (let b = 0; b < strata; b++) {
    // Stratum b holds t from ⌈b(k+1)/strata⌉ to ⌈(b+1)(k+1)/strata⌉ − 1; the last also t > k.
    const t0 = Math.ceil((b * (k + 1)) / strata)
    const t1 = b === strata - 1 ? n : Math.ceil(((b + 1) * (k + 1)) / strata) - 1
    const a = Math.max(t0, s - regions[b].hi)
    const z = Math.min(t1, s - regions[b].lo)
    if (a <= z) {
      if (a < lo) lo = a
      if (z > hi) hi = z
    }
  }
  return lo <= hi ? [lo, hi] : null
}

/** Mean simulated coverage of the belt regions for records with the given true distances (for tests and reports). */
export function beltMass(belt: PreparedBelt, truths: number[]): number {
  let sum = 0
  for (const t of truths) sum += belt.regions[stratumOf(t, belt.k, belt.regions.length)].mass
  return sum / truths.length
}
