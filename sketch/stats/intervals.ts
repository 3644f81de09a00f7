/**
 * Confidence intervals by test inversion on the integer grid of distances T = 0..G (docs/intervals.md).
 *
 * A sketch mechanism supplies, for every candidate distance T, an acceptance region for its statistic
 * s: the values of s a sketch at true distance T produces with probability ≥ 1 − α. The interval for an
 * observed s is the set {T : s is accepted at T}, reported as its hull [ciLow, ciHigh]. Distances are
 * integers, so inverting on the integer grid loses nothing. Two kinds of acceptance regions:
 *
 * - Exact discrete belts ({@link midPAcceptance}, {@link invertIntegerBelt}): the mechanism knows the
 *   exact pmf of an integer statistic given T (parity: sketch/stats/parity-model.ts). The region is the
 *   mid-p central region: c is accepted iff P(S < c) + P(S = c)/2 ≥ α/2 and P(S > c) + P(S = c)/2 ≥ α/2.
 *   Mid-p regions keep the average coverage at the nominal level for discrete statistics, where
 *   exact "≥ 1 − α for every T" regions over-cover badly once the noise is only a few cells.
 * - Normal belts ({@link NormalBelt}): the mechanism knows the mean μ(T) and standard deviation σ(T) of
 *   a real statistic; T is accepted iff |s − μ(T)| ≤ z·σ(T). With μ(T) = T and σ(T) from a variance
 *   model this is the textbook "include T if |T̂ − T| ≤ z·σ(T)" inversion; a mechanism whose estimator
 *   is biased passes its exact mean μ(T) instead, which keeps the interval calibrated.
 *
 * The grid ends at G ≤ n. When s is still accepted at G < n, nothing larger can be excluded, so the
 * interval is open-ended and ciHigh becomes n. Intervals are clipped to [0, n].
 *
 * Levels: α = 1 − confidence per interval; with `simultaneousM` = m the m intervals are made to hold
 * jointly by Bonferroni, α/m each (z = Φ⁻¹(1 − α/(2m)) for normal belts). Φ⁻¹ is Wichura's AS241
 * (PPND16), accurate to about 1e-16 relative.
 */
import type { QueryOptions } from '../mechanisms/mechanism.js'

/**
 * Φ⁻¹(p), the standard normal quantile (Wichura 1988, Algorithm AS241, PPND16).
 * Returns −∞ at 0 and +∞ at 1; throws RangeError outside [0, 1].
 */
export function inverseNormalCdf(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError('probability must be in [0, 1]')
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    const num =
      (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r +
        45921.95393154987) * r + 13731.69376550946) * r + 1971.5909503065513) * r +
        133.14166789178438) * r + 3.3871328727963665) * q
    const den =
      ((((((5226.495278852546 * r + 28729.085735721943) * r + 39307.89580009271) * r +
        21213.794301586597) * r + 5394.196021424751) * r + 687.1870074920579) * r +
        42.31333070160091) * r + 1
    return num / den
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p))
  let x: number
  if (r <= 5) {
    r -= 1.6
    const num =
      ((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r +
        1.2704582524523684) * r + 3.6478483247632045) * r + 5.769497221460691) * r +
        4.630337846156546) * r + 1.4234371107496835
    const den =
      ((((((1.0507500716444169e-09 * r + 0.0005475938084995345) * r + 0.015198666563616457) * r +
        0.14810397642748008) * r + 0.6897673349851) * r + 1.6763848301838038) * r +
        2.053191626637759) * r + 1
    x = num / den
  } else {
    r -= 5
    const num =
      ((((((2.0103343992922881e-07 * r + 2.7115555687434876e-05) * r + 0.0012426609473880784) * r +
        0.026532189526576124) * r + 0.29656057182850487) * r + 1.7848265399172913) * r +
        5.463784911164114) * r + 6.657904643501103
    const den =
      ((((((2.0442631033899397e-15 * r + 1.421511758316446e-07) * r + 1.8463183175100548e-05) * r +
        0.0007868691311456133) * r + 0.014875361290850615) * r + 0.1369298809227358) * r +
        0.599832206555888) * r + 1
    x = num / den
  }
  return q < 0 ? -x : x
}

/**
 * Two-sided error probability of each interval: α = 1 − confidence, divided by m when the m intervals
 * of one answer must hold simultaneously (Bonferroni).
 */
export function intervalAlpha(options: QueryOptions): number {
  const { confidence, simultaneousM } = options
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be strictly between 0 and 1')
  const m = simultaneousM ?? 1
  if (!Number.isSafeInteger(m) || m < 1) throw new RangeError('simultaneousM must be a positive integer')
  return (1 - confidence) / m
}

/** The normal critical value for {@link intervalAlpha}: Φ⁻¹(1 − α/2) = −Φ⁻¹(α/2). */
export function intervalZ(options: QueryOptions): number {
  return -inverseNormalCdf(intervalAlpha(options) / 2)
}

/** One confidence interval on the integer distance grid. */
export interface GridInterval {
  low: number
  high: number
  /** True when the statistic is still accepted at the last grid point: high is then n. */
  openEnded: boolean
}

/**
 * Mid-p central acceptance region of an integer statistic from its pmf, given as
 * `pmf[from..from+length)` for the statistic values `first..first+length)`. Returns [lo, hi] in
 * statistic values (lo ≤ hi whenever α < 1). `halfAlpha` is α/2.
 */
export function midPAcceptance(
  pmf: Float64Array,
  from: number,
  length: number,
  first: number,
  halfAlpha: number,
): [number, number] {
  let lo = first
  let below = 0
  for (let i = 0; i < length; i++) {
    const mass = pmf[from + i]
    if (below + 0.5 * mass >= halfAlpha) {
      lo = first + i
      break
    }
    below += mass
  }
  let hi = first + length - 1
  let above = 0
  for (let i = length - 1; i >= 0; i--) {
    const mass = pmf[from + i]
    if (above + 0.5 * mass >= halfAlpha) {
      hi = first + i
      break
    }
    above += mass
  }
  return [lo, hi]
}

/**
 * Per-value interval tables of an integer statistic s ∈ [0, sMax], from acceptance regions
 * [accLo[T], accHi[T]] for T = 0..G (G = accLo.length − 1). For every s:
 * - low/high: the smallest and largest T whose region contains s;
 * - s below every region (too small even for T = 0): [0, 0];
 * - s in a gap between regions: bracketed by the neighbouring T (the hull of the two sides);
 * - s above every region (beyond the grid): [G, n], open-ended;
 * - s inside the region of G < n: high = n, open-ended.
 * Values are clipped to [0, n].
 */
export function invertIntegerBelt(
  accLo: ArrayLike<number>,
  accHi: ArrayLike<number>,
  sMax: number,
  n: number,
): { low: Int32Array; high: Int32Array; openEnded: Uint8Array } {
  const G = accLo.length - 1
  if (G < 0 || accHi.length !== accLo.length) throw new RangeError('acceptance arrays must be non-empty and equally long')
  const low = new Int32Array(sMax + 1).fill(-1)
  const high = new Int32Array(sMax + 1).fill(-1)
  const openEnded = new Uint8Array(sMax + 1)
  for (let T = 0; T <= G; T++) {
    const a = Math.max(0, accLo[T])
    const b = Math.min(sMax, accHi[T])
    for (let s = a; s <= b; s++) {
      if (low[s] < 0) low[s] = T
      high[s] = T
    }
  }
  // Gaps and ends: bracket s by the largest T whose region lies entirely below s and the smallest T
  // whose region lies entirely above s. Both are running extrema over s, so O(G + sMax) in total.
  const below = new Int32Array(sMax + 2).fill(-1) // max{T : accHi[T] < s}
  const above = new Int32Array(sMax + 2).fill(-1) // min{T : accLo[T] > s}
  for (let T = 0; T <= G; T++) {
    const from = accHi[T] + 1
    if (from <= sMax) {
      const at = Math.max(0, from)
      if (T > below[at]) below[at] = T
    }
    const upTo = accLo[T] - 1
    if (upTo >= 0) {
      const at = Math.min(sMax, upTo)
      if (above[at] < 0 || T < above[at]) above[at] = T
    }
  }
  for (let s = 1; s <= sMax; s++) if (below[s - 1] > below[s]) below[s] = below[s - 1]
  for (let s = sMax - 1; s >= 0; s--) {
    const next = above[s + 1]
    if (next >= 0 && (above[s] < 0 || next < above[s])) above[s] = next
  }
  for (let s = 0; s <= sMax; s++) {
    if (low[s] >= 0) continue
    if (below[s] < 0) {
      low[s] = 0
      high[s] = 0
    } else if (above[s] < 0) {
      low[s] = G
      high[s] = G
      openEnded[s] = G < n ? 1 : 0
    } else {
      low[s] = Math.min(below[s], above[s])
      high[s] = Math.max(below[s], above[s])
    }
  }
  if (G < n) {
    const a = Math.max(0, accLo[G])
    const b = Math.min(sMax, accHi[G])
    for (let s = a; s <= b; s++) openEnded[s] = 1
  }
  for (let s = 0; s <= sMax; s++) {
    if (openEnded[s]) high[s] = n
    low[s] = Math.min(Math.max(low[s], 0), n)
    high[s] = Math.min(Math.max(high[s], low[s]), n)
  }
  return { low, high, openEnded }
}

/**
 * Test inversion with a normal acceptance region: T ∈ [0, G] is accepted for an observed s iff
 * |s − μ(T)| ≤ z·σ(T). Lookups are O(log G): monotone envelopes (running maximum of μ + zσ, running
 * minimum from the right of μ − zσ) locate the first and last accepted T, and a short scan skips
 * the rare non-accepted points next to them.
 */
export class NormalBelt {
  readonly G: number
  readonly n: number
  readonly z: number
  readonly #lower: Float64Array
  readonly #upper: Float64Array
  readonly #upperPrefixMax: Float64Array
  readonly #lowerSuffixMin: Float64Array

  constructor(mean: ArrayLike<number>, sd: ArrayLike<number>, z: number, n: number) {
    const count = mean.length
    if (count === 0 || sd.length !== count) throw new RangeError('mean and sd must be non-empty and equally long')
    if (!(z >= 0)) throw new RangeError('z must be non-negative')
    this.G = count - 1
    this.n = n
    this.z = z
    this.#lower = new Float64Array(count)
    this.#upper = new Float64Array(count)
    for (let T = 0; T < count; T++) {
      const half = z * sd[T]
      this.#lower[T] = mean[T] - half
      this.#upper[T] = mean[T] + half
    }
    this.#upperPrefixMax = new Float64Array(count)
    let run = -Infinity
    for (let T = 0; T < count; T++) this.#upperPrefixMax[T] = run = Math.max(run, this.#upper[T])
    this.#lowerSuffixMin = new Float64Array(count)
    run = Infinity
    for (let T = count - 1; T >= 0; T--) this.#lowerSuffixMin[T] = run = Math.min(run, this.#lower[T])
  }

  accepts(T: number, s: number): boolean {
    return this.#lower[T] <= s && s <= this.#upper[T]
  }

  interval(s: number): GridInterval {
    return this.intervalInto(s, { low: 0, high: 0, openEnded: false })
  }

  /** {@link interval} written into `out` (no allocation per call); returns `out`. */
  intervalInto(s: number, out: GridInterval): GridInterval {
    const G = this.G
    const n = this.n
    // First T with upper(T) ≥ s.
    const upMax = this.#upperPrefixMax
    if (!(upMax[G] >= s)) {
      out.low = Math.min(G, n)
      out.high = n
      out.openEnded = G < n
      return out
    }
    let a = 0
    let b = G
    while (a < b) {
      const mid = (a + b) >>> 1
      if (upMax[mid] >= s) b = mid
      else a = mid + 1
    }
    let low = a
    // Last T with lower(T) ≤ s.
    const loMin = this.#lowerSuffixMin
    if (!(loMin[0] <= s)) {
      out.low = 0
      out.high = 0
      out.openEnded = false
      return out
    }
    a = 0
    b = G
    while (a < b) {
      const mid = (a + b + 1) >>> 1
      if (loMin[mid] <= s) a = mid
      else b = mid - 1
    }
    let high = a
    const first = low
    const last = high
    while (low <= last && !this.accepts(low, s)) low++
    while (high >= first && !this.accepts(high, s)) high--
    if (low > high) {
      // No T accepts s (a gap between regions): report the bracketing grid points.
      low = Math.min(first, last)
      high = Math.max(first, last)
    }
    const openEnded = high === G && G < n && this.accepts(G, s)
    out.low = Math.min(low, n)
    out.high = openEnded ? n : Math.min(high, n)
    out.openEnded = openEnded
    return out
  }
}
