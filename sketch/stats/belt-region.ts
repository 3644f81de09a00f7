/**
 * The randomized acceptance region of one stratum of a calibration belt
 * (sketch/stats/edit-calibration.ts, docs/intervals.md): from the simulated error tables of the edit
 * patterns, the run of error values accepted at a confidence level, with fractional end values, so
 * that the simulated coverage is exactly the level and as even as the simulation can tell across the
 * patterns.
 */
import type { ErrorTable } from './edit-calibration.js'

/** Fewest simulated runs that must fall outside an interval for its tails to be resolved by the table. */
export const MIN_TAIL_SAMPLES = 20

/**
 * A randomized acceptance region of the error G: the values lo < g < hi are always accepted, lo
 * only when U < pLo and hi only when U < pHi, with U uniform on [0, 1) (one per record and query,
 * see beltUniforms). Whenever pLo or pHi is below 1, lo < hi and the always-accepted core is not
 * empty, so for every U the accepted set is a non-empty run of consecutive values.
 */
export interface RandomizedRegion {
  lo: number
  hi: number
  pLo: number
  pHi: number
  /** P[G accepted] averaged over U under the pooled simulated model: the level, unless forced above it. */
  mass: number
  /** The same under each simulated edit pattern's own table. */
  patternMass: number[]
}

/** Differences below this are rounding, not a preference between two regions. */
const KEY_EPS = 1e-12

/**
 * The randomized acceptance region for one stratum at `level`, or null when the tables cannot resolve
 * it (fewer than MIN_TAIL_SAMPLES pooled runs would fall outside, or the mass the tables resolve is
 * below the level, e.g. too much overflow).
 *
 * Model: the pooled pmf of G is the equal-weight mixture of the patterns' tables. A candidate is a core
 * run [a, b] of always-accepted values plus fractions of its two neighbours a − 1 and b + 1, chosen
 * so that the pooled P[accepted] is exactly `level`. The core must touch `centre` (the point
 * estimate is S − centre): a ≤ ⌈centre⌉ and b ≥ ⌊centre⌋, so the hull of the accepted t values and
 * the estimate contains no integer t beyond the accepted ones, whatever U is, and the reported
 * interval (which always contains the estimate) keeps the designed coverage.
 *
 * Choice among candidates, lexicographically:
 *   1. the spread of the coverage across the patterns, max_π − min_π P_π[accepted], where spreads
 *      below the simulation's standard error of that difference count as equal: the edit pattern
 *      is not observable, so the region should cover each one at about the level, not only their
 *      mixture (e.g. lcp-tree at large ε: local edits have G = 0 for 98–99 % of pairs, isolated
 *      substitutions G = −2 for 10–15 %; thinning the value 0 at the top end of [−4, 0] covers both
 *      at about 95 %, thinning −2 at the bottom of [−2, 0] about 91 % and 99 %);
 *   2. the expected number of accepted values (the randomized analogue of the shortest run);
 *   3. the spread itself.
 * When even the smallest core touching the centre holds more than the level (e.g. centre 0 and
 * P[G = 0] > level), that core is the deterministic region (forced over-coverage).
 */
export function randomizedRegion(tables: ErrorTable[], level: number, centre: number): RandomizedRegion | null {
  if (!(level > 0 && level < 1)) throw new RangeError('confidence level must be in (0, 1)')
  if (tables.length === 0 || !Number.isFinite(centre)) return null
  const total = tables.reduce((s, t) => s + t.samples, 0)
  if ((1 - level) * total < MIN_TAIL_SAMPLES) return null
  const cLo = Math.floor(centre)
  const cHi = Math.ceil(centre)
  const grid = regionGrid(tables, cLo, cHi)
  const { from, size, pooled, cumPooled, cumPer } = grid
  // Standard error of the difference of two patterns' simulated coverages at the level.
  const tol = tables.length > 1 ? Math.sqrt(level * (1 - level) * tables.reduce((s, t) => s + 1 / t.samples, 0)) : 0
  const choice: RegionChoice = { best: null, forced: null }
  for (let i = 1; i < size - 1; i++) {
    if (from + i > cHi) break
    for (let j = Math.max(i, cLo - from); j < size - 1; j++) {
      const core = cumPooled[j + 1] - cumPooled[i]
      const coreBy = cumPer.map((c) => c[j + 1] - c[i])
      if (core > level + KEY_EPS) {
        const forced = choice.forced
        if (forced === null || core < forced.mass - KEY_EPS || (core <= forced.mass + KEY_EPS && j - i + 1 < forced.len)) {
          choice.forced = {
            mass: core,
            len: j - i + 1,
            region: { lo: from + i, hi: from + j, pLo: 1, pHi: 1, mass: core, patternMass: coreBy },
          }
        }
        break // a longer core only holds more
      }
      const rem = Math.max(0, level - core)
      if (pooled[i - 1] + pooled[j + 1] < rem - KEY_EPS) continue
      considerSplits(grid, i, j, core, coreBy, rem, tol, choice)
    }
  }
  return choice.best?.region ?? choice.forced?.region ?? null
}

/** The tables' pmfs on one grid of values from … from + size − 1, pooled, and their prefix sums. */
interface RegionGrid {
  from: number
  size: number
  /** per[π][q]: pattern π's probability of the value from + q. */
  per: Float64Array[]
  /** The equal-weight mixture of the patterns. */
  pooled: Float64Array
  /** cumPooled[q] = Σ pooled[0..q), and the same for each pattern. */
  cumPooled: Float64Array
  cumPer: Float64Array[]
}

/** The grid of randomizedRegion: every tabulated value and the centre's neighbours cLo, cHi. */
function regionGrid(tables: ErrorTable[], cLo: number, cHi: number): RegionGrid {
  let gMin = cLo
  let gMax = cHi
  for (const t of tables) {
    if (t.counts.length === 0) continue
    gMin = Math.min(gMin, t.min)
    gMax = Math.max(gMax, t.min + t.counts.length - 1)
  }
  // Values from = gMin − 1 … gMax + 1 (a zero-mass margin on both sides, so every core has neighbours).
  const from = gMin - 1
  const size = gMax - gMin + 3
  const np = tables.length
  const per = tables.map((t) => {
    const a = new Float64Array(size)
    t.counts.forEach((c, q) => (a[t.min + q - from] = c / t.samples))
    return a
  })
  const pooled = new Float64Array(size)
  for (const a of per) for (let q = 0; q < size; q++) pooled[q] += a[q] / np
  const prefix = (a: Float64Array): Float64Array => {
    const c = new Float64Array(size + 1)
    for (let q = 0; q < size; q++) c[q + 1] = c[q] + a[q]
    return c
  }
  return { from, size, per, pooled, cumPooled: prefix(pooled), cumPer: per.map(prefix) }
}

/** The best randomized region so far (by its key) and the smallest forced one. */
interface RegionChoice {
  best: { key: [number, number, number]; region: RandomizedRegion } | null
  forced: { mass: number; len: number; region: RandomizedRegion } | null
}

function better(a: [number, number, number], b: [number, number, number]): boolean {
  for (let q = 0; q < 3; q++) {
    if (a[q] < b[q] - KEY_EPS) return true
    if (a[q] > b[q] + KEY_EPS) return false
  }
  return false
}

/**
 * The candidates with core [i, j] (grid indices): the missing mass `rem` split between the core's
 * two neighbours, x from the left one and rem − x from the right one. The spread across patterns is
 * piecewise linear in x, so the candidates are the ends of the feasible range of x and the points
 * where two patterns' coverages differ by 0 or ±tol. Updates choice.best.
 */
function considerSplits(grid: RegionGrid, i: number, j: number, core: number, coreBy: number[], rem: number, tol: number, choice: RegionChoice): void {
  const { from, per, pooled } = grid
  const np = per.length
  const qL = pooled[i - 1]
  const qR = pooled[j + 1]
  const xMin = Math.max(0, rem - qR)
  const xMax = Math.min(qL, rem)
  const coverage = (x: number): number[] =>
    coreBy.map((c, p) => c + (qL > 0 ? (x / qL) * per[p][i - 1] : 0) + (qR > 0 ? ((rem - x) / qR) * per[p][j + 1] : 0))
  const xs = [xMin, xMax]
  for (let p = 0; p < np; p++) {
    for (let r = p + 1; r < np; r++) {
      const d0 = coverage(0)[p] - coverage(0)[r]
      const slope = coverage(1)[p] - coverage(1)[r] - d0
      if (slope === 0) continue
      for (const target of [0, tol, -tol]) {
        const x = (target - d0) / slope
        if (x > xMin && x < xMax) xs.push(x)
      }
    }
  }
  for (const x of xs) {
    const cov = coverage(x)
    const spread = Math.max(...cov) - Math.min(...cov)
    const phiL = qL > 0 ? Math.min(1, x / qL) : 0
    const phiR = qR > 0 ? Math.min(1, (rem - x) / qR) : 0
    const key: [number, number, number] = [Math.max(spread, tol), j - i + 1 + phiL + phiR, spread]
    if (choice.best === null || better(key, choice.best.key)) {
      choice.best = {
        key,
        region: {
          lo: phiL > 0 ? from + i - 1 : from + i,
          hi: phiR > 0 ? from + j + 1 : from + j,
          pLo: phiL > 0 ? phiL : 1,
          pHi: phiR > 0 ? phiR : 1,
          mass: core + phiL * qL + phiR * qR,
          patternMass: cov,
        },
      }
    }
  }
}
