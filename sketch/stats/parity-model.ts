/**
 * Accuracy model of XOR-parity sketches with randomized response (docs/mechanisms/parity.md#variance,
 * docs/mechanisms/parity.md#intervals).
 *
 * Setting: T mismatching positions between a stored record A and a query B are hashed by a public,
 * fully random table into M cells; a cell of sketch(A) XOR sketch(B) is 1 iff an odd number of
 * mismatches land in it, and the stored sketch of A has every cell flipped independently with p̃.
 * C is the number of 1-cells of (noisy sketch of A) XOR (clean sketch of B).
 *
 * Delta-method model (what the parameter chooser minimises):
 * - RR variance per cell v = p̃(1−p̃)/(1−2p̃)² (= v(ε') = e^{ε'}/(e^{ε'}−1)² when p = 1/(1+e^{ε'}));
 *   the debiased count Ô = (C − M p̃)/(1 − 2p̃) has Var(Ô | O) = M·v.
 * - E[O] = (M/2)(1 − (1−2/M)^T); hashing variance (exact)
 *   V_h(M, T) = M(1−a)/4 + M(M−1)(b−a)/4 with a = (1−2/M)^{2T}, b = (1−4/M)^T.
 * - The inversion T̂ = ln(1 − 2Ô/M)/ln(1 − 2/M) has slope 1/g(T), g(T) = −(M/2)(1−2/M)^T ln(1−2/M),
 *   so with L independent repetitions averaged: sd(T̂) ≈ √((M·v + V_h(M,T))/L) / g(T).
 * - The chooser picks M (a power of two ≥ max(32, 4k)) and L minimising the largest predicted sd at
 *   T ∈ {0, k/2, k}, with ε' = ε/(L·unitBits), under a per-record memory cap (M·L/8 bytes).
 *
 * Exact model (what the confidence intervals use): the law of C given T is an Ehrenfest chain. The
 * cells of the XOR are the RR flips toggled by the mismatches, and the order of toggles does not
 * matter, so C₀ ~ Binomial(M, p̃) and each further mismatch toggles a uniform cell:
 * C → C − 1 with probability C/M, C → C + 1 otherwise. {@link XorCountChain} evolves this pmf one
 * mismatch at a time, exactly (up to dropping tail mass below 1e-40).
 */
import { flipProbability } from '../../privacy/randomized-response.js'
import type { PredictedSd } from '../mechanisms/mechanism.js'
import { midPAcceptance } from './intervals.js'

/** RR variance of one debiased cell, p(1−p)/(1−2p)². */
export function rrVariancePerCell(p: number): number {
  if (!(p >= 0 && p < 0.5)) throw new RangeError('flip probability must be in [0, 1/2)')
  const d = 1 - 2 * p
  return (p * (1 - p)) / (d * d)
}

/** v(ε') = e^{ε'}/(e^{ε'}−1)², the same quantity written in the per-cell ε' (p = 1/(1+e^{ε'})). */
export function rrVarianceFromEpsilon(epsilonPerCell: number): number {
  if (!(epsilonPerCell > 0)) throw new RangeError('per-cell epsilon must be positive')
  // e^{ε'}/(e^{ε'}−1)² = e^{−ε'}/(1−e^{−ε'})², stable for large ε'.
  const q = Math.exp(-epsilonPerCell)
  const d = -Math.expm1(-epsilonPerCell)
  return q / (d * d)
}

/** (1 − 2/M)^T, the expected sign of a cell: E[(−1)^{#mismatches in it}]. */
export function cellSign(M: number, T: number): number {
  return Math.exp(T * Math.log1p(-2 / M))
}

/** E[O] = (M/2)(1 − (1−2/M)^T): expected number of odd cells for T mismatches in M cells. */
export function expectedOddCells(M: number, T: number): number {
  return (-M / 2) * Math.expm1(T * Math.log1p(-2 / M))
}

/** g(T) = −(M/2)(1−2/M)^T ln(1−2/M) = dE[O]/dT, the slope the collision inversion divides by. */
export function inversionSlope(M: number, T: number): number {
  return (-M / 2) * cellSign(M, T) * Math.log1p(-2 / M)
}

/** Exact Var(O) for T mismatches hashed uniformly into M cells (O = number of odd cells). */
export function hashingVariance(M: number, T: number): number {
  if (M < 8) {
    // Small M (not used by the sketches, kept exact for completeness): 1 − 4/M may be ≤ 0.
    const a = Math.pow(1 - 2 / M, 2 * T)
    const b = Math.pow(1 - 4 / M, T)
    return Math.max(0, (M * (1 - a)) / 4 + (M * (M - 1) * (b - a)) / 4)
  }
  const twoT = 2 * T * Math.log1p(-2 / M)
  const oneMinusA = -Math.expm1(twoT)
  const a = Math.exp(twoT)
  // b − a without cancellation: ln b − ln a = T·ln((1 − 4/M)/(1 − 2/M)²) = T·ln(1 − 4/(M − 2)²).
  const bMinusA = a * Math.expm1(T * Math.log1p(-4 / ((M - 2) * (M - 2))))
  return Math.max(0, (M * oneMinusA) / 4 + (M * (M - 1) * bMinusA) / 4)
}

/** The collision inversion: T̂ = ln(x)/ln(1 − 2/M) for x = 1 − 2Ô/M. */
export function invertSign(M: number, x: number): number {
  return Math.log(x) / Math.log1p(-2 / M)
}

/** Debiased odd-cell count Ô = (C − M p̃)/(1 − 2p̃). */
export function debiasCount(C: number, M: number, pTilde: number): number {
  return (C - M * pTilde) / (1 - 2 * pTilde)
}

/** Saturation constants: T_cap = M/4, x_cap = (1 − 2/M)^{M/4}, and the first saturated S = Σ C_r over L repetitions. */
export function paritySaturation(M: number, L: number, pTilde: number): { tCap: number; xCap: number; sSat: number } {
  const tCap = M / 4
  const xCap = cellSign(M, tCap)
  // 1 − 2Ō/M < x_cap  ⟺  S/L > M p̃ + (1 − 2p̃)·M(1 − x_cap)/2.
  const perRep = M * pTilde + ((1 - 2 * pTilde) * M * (1 - xCap)) / 2
  return { tCap, xCap, sSat: Math.floor(L * perRep) + 1 }
}

/**
 * T̂ for every count C ∈ 0..M of one group of M cells: debias (debiasCount), clamp at x_cap, invert
 * collisions (invertSign); T_cap where 1 − 2Ô/M ≤ x_cap. The per-repetition estimate of parity and
 * the per-group one of pl07.
 */
export function collisionInversionTable(M: number, pTilde: number): Float64Array {
  const { tCap, xCap } = paritySaturation(M, 1, pTilde)
  const out = new Float64Array(M + 1)
  for (let c = 0; c <= M; c++) {
    const x = 1 - (2 * debiasCount(c, M, pTilde)) / M
    out[c] = x <= xCap ? tCap : invertSign(M, x)
  }
  return out
}

/** Delta-method sd of the mean of L inverted repetitions at distance T (per-cell RR variance v). */
export function predictedParitySd(M: number, L: number, perCellVariance: number, T: number): number {
  return Math.sqrt((M * perCellVariance + hashingVariance(M, T)) / L) / inversionSlope(M, T)
}

export interface ParityChoice {
  /** Cells per repetition (power of two). */
  cells: number
  repetitions: number
  /** Realised flip probability for Δ = repetitions · unitBits. */
  pTilde: number
  predictedSd: PredictedSd
}

export interface ParityChooserRequest {
  k: number
  epsilonMicro: number
  unitBits: number
  /** Memory cap per record (bytes); the chooser only considers M·L/8 ≤ this. */
  maxBytesPerRecord: number
  /** Fixed M (skips the search over M). */
  cells?: number
  /** Fixed L (skips the search over L). */
  repetitions?: number
}

/** Repetitions the chooser tries at most (more never wins at useful ε: each one divides ε'). */
export const MAX_REPETITIONS = 16

/** The three distances the plan reports and the chooser balances. */
export function sdAtZeroHalfK(M: number, L: number, pTilde: number, k: number): PredictedSd {
  const v = rrVariancePerCell(pTilde)
  return {
    atZero: predictedParitySd(M, L, v, 0),
    atHalfK: predictedParitySd(M, L, v, k / 2),
    atK: predictedParitySd(M, L, v, k),
  }
}

/** Smallest power of two ≥ x (x ≥ 1). */
export function nextPowerOfTwo(x: number): number {
  let p = 1
  while (p < x) p *= 2
  return p
}

/**
 * Chooses (M, L) minimising max(sd(0), sd(k/2), sd(k)) over M ∈ {powers of two ≥ max(32, 4k)} and
 * L ∈ 1..16 with M·L/8 ≤ maxBytesPerRecord; ties go to the smaller sketch. `cells`/`repetitions`
 * pin either. Throws RangeError when nothing fits the cap.
 */
export function chooseParityParameters(req: ParityChooserRequest): ParityChoice {
  const { k, epsilonMicro, unitBits, maxBytesPerRecord } = req
  const capCells = Math.floor(maxBytesPerRecord * 8)
  const minCells = Math.max(32, nextPowerOfTwo(4 * k))
  const cellOptions: number[] = []
  if (req.cells !== undefined) cellOptions.push(req.cells)
  else for (let M = minCells; M <= capCells; M *= 2) cellOptions.push(M)
  const repOptions: number[] = []
  if (req.repetitions !== undefined) repOptions.push(req.repetitions)
  else for (let L = 1; L <= MAX_REPETITIONS; L++) repOptions.push(L)

  let best: ParityChoice | null = null
  let bestWorst = Infinity
  let uninformative = false
  const pByL = new Map<number, number>()
  for (const M of cellOptions) {
    for (const L of repOptions) {
      if (M * L > capCells) continue
      let pTilde = pByL.get(L)
      if (pTilde === undefined) {
        pTilde = flipProbability(epsilonMicro, L * unitBits).pTilde
        pByL.set(L, pTilde)
      }
      if (!(pTilde < 0.5)) {
        uninformative = true
        continue
      }
      const sd = sdAtZeroHalfK(M, L, pTilde, k)
      const worst = Math.max(sd.atZero, sd.atHalfK, sd.atK)
      if (worst < bestWorst) {
        bestWorst = worst
        best = { cells: M, repetitions: L, pTilde, predictedSd: sd }
      }
    }
  }
  if (best === null) {
    if (uninformative) throw new RangeError('epsilon is too small: every stored cell would be a fair coin')
    throw new RangeError(
      `no parity sketch with at least ${req.cells ?? minCells} cells fits ${maxBytesPerRecord} bytes per record ` +
        `(raise maxBytesPerRecord, lower k, or raise epsilon)`,
    )
  }
  return best
}

/** Drop pmf tails below this mass (far below any α/2 the intervals use, e.g. 2.5e-8 at m = 10^6). */
const TAIL_MASS = 1e-40

/**
 * Exact pmf of C (1-cells of noisy-A XOR clean-B over M cells) as the number of mismatches T grows:
 * Binomial(M, p̃) at T = 0, then one Ehrenfest step per mismatch. The pmf lives in `pmf[lo..hi]`.
 */
export class XorCountChain {
  readonly M: number
  readonly pTilde: number
  T = 0
  lo = 0
  hi = 0
  pmf: Float64Array
  #next: Float64Array

  constructor(M: number, pTilde: number) {
    if (!Number.isSafeInteger(M) || M < 3) throw new RangeError('cells must be an integer ≥ 3')
    if (!(pTilde > 0 && pTilde < 0.5)) throw new RangeError('flip probability must be in (0, 1/2)')
    this.M = M
    this.pTilde = pTilde
    this.pmf = new Float64Array(M + 1)
    this.#next = new Float64Array(M + 1)
    // Binomial(M, p̃) in log space (a running sum of log ratios), then trimmed.
    const logRatio = Math.log(pTilde) - Math.log1p(-pTilde)
    const logs = new Float64Array(M + 1)
    logs[0] = M * Math.log1p(-pTilde)
    let top = logs[0]
    for (let c = 1; c <= M; c++) {
      logs[c] = logs[c - 1] + Math.log((M - c + 1) / c) + logRatio
      if (logs[c] > top) top = logs[c]
    }
    let total = 0
    for (let c = 0; c <= M; c++) total += Math.exp(logs[c] - top)
    const logNorm = top + Math.log(total)
    for (let c = 0; c <= M; c++) this.pmf[c] = Math.exp(logs[c] - logNorm)
    this.lo = 0
    this.hi = M
    this.#trim()
  }

  #trim(): void {
    const p = this.pmf
    while (this.lo < this.hi && p[this.lo] < TAIL_MASS) p[this.lo++] = 0
    while (this.hi > this.lo && p[this.hi] < TAIL_MASS) p[this.hi--] = 0
  }

  /** Adds one mismatch (T → T + 1). */
  step(): void {
    const M = this.M
    const cur = this.pmf
    const nxt = this.#next
    const lo = Math.max(0, this.lo - 1)
    const hi = Math.min(M, this.hi + 1)
    const invM = 1 / M
    for (let c = lo; c <= hi; c++) {
      const fromBelow = c > 0 ? cur[c - 1] * (M - c + 1) : 0
      const fromAbove = c < M ? cur[c + 1] * (c + 1) : 0
      nxt[c] = (fromBelow + fromAbove) * invM
    }
    for (let c = this.lo; c <= this.hi; c++) cur[c] = 0
    this.pmf = nxt
    this.#next = cur
    this.lo = lo
    this.hi = hi
    this.T++
    this.#trim()
  }

  /** Mean and variance of g(C) under the current pmf, for a table g over 0..M. */
  moments(g: ArrayLike<number>): { mean: number; variance: number } {
    let m1 = 0
    let m2 = 0
    let mass = 0
    for (let c = this.lo; c <= this.hi; c++) {
      const w = this.pmf[c]
      const v = g[c]
      mass += w
      m1 += w * v
      m2 += w * v * v
    }
    m1 /= mass
    m2 /= mass
    return { mean: m1, variance: Math.max(0, m2 - m1 * m1) }
  }
}

/**
 * pmf of the sum of L independent copies of a pmf given on [lo, hi] (exact convolution, tails below
 * 1e-40 dropped). Returns the pmf on [L·lo + offset, ...] as { first, values }.
 */
export function convolvePower(pmf: Float64Array, lo: number, hi: number, L: number): { first: number; values: Float64Array } {
  const width = hi - lo + 1
  let values = pmf.slice(lo, hi + 1)
  let first = lo
  for (let r = 1; r < L; r++) {
    const out = new Float64Array(values.length + width - 1)
    for (let i = 0; i < values.length; i++) {
      const a = values[i]
      if (a === 0) continue
      for (let j = 0; j < width; j++) out[i + j] += a * pmf[lo + j]
    }
    let a = 0
    let b = out.length - 1
    while (a < b && out[a] < TAIL_MASS) a++
    while (b > a && out[b] < TAIL_MASS) b--
    values = out.slice(a, b + 1)
    first = first + lo + a
  }
  return { first, values }
}

/** Acceptance regions of the parity statistic S = Σ_r C_r (integer, 0..L·M) for T = 0..G. */
export interface ParityBelt {
  accLo: Int32Array
  accHi: Int32Array
}

/**
 * Mid-p acceptance regions of S = C_1 + … + C_L (L independent repetitions) for T = 0, 1, …, G under
 * the exact model. The grid stops at the first T whose region lies entirely at or above `sSat` (every
 * non-saturated statistic is rejected from there on: the chain is stochastically increasing in T), at
 * T = n, or once the chain has mixed (its law no longer changes, so the last region repeats forever).
 */
export function parityBelt(M: number, L: number, pTilde: number, alpha: number, n: number, sSat: number): ParityBelt {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)')
  const chain = new XorCountChain(M, pTilde)
  const halfAlpha = alpha / 2
  // M·(1−2/M)^T < 1e-12: the slowest mode of the chain has decayed below anything a pmf shows.
  const mixed = Math.ceil(Math.log(1e-12 / M) / Math.log1p(-2 / M))
  const lo: number[] = []
  const hi: number[] = []
  for (;;) {
    let a: number
    let b: number
    if (L === 1) {
      ;[a, b] = midPAcceptance(chain.pmf, chain.lo, chain.hi - chain.lo + 1, chain.lo, halfAlpha)
    } else {
      const sum = convolvePower(chain.pmf, chain.lo, chain.hi, L)
      ;[a, b] = midPAcceptance(sum.values, 0, sum.values.length, sum.first, halfAlpha)
    }
    lo.push(a)
    hi.push(b)
    if (a >= sSat || chain.T >= n || chain.T >= mixed) break
    chain.step()
  }
  return { accLo: Int32Array.from(lo), accHi: Int32Array.from(hi) }
}
