/**
 * The per-query geometric mechanism (docs/mechanisms/geometric.md): exact distances plus independent
 * two-sided geometric noise.
 *
 * Neighbour relation (docs/privacy-model.md#neighbouring-databases): one record changes in at most
 * t = unitBits bit positions. Only that record's distance (Hamming or edit, also when capped at
 * k + 1) moves, by at most t, so the distance vector has L1 sensitivity t.
 * Adding Z_i with P(Z = z) ∝ exp(−ε|z|/t) to every coordinate independently is ε-DP (pure, no δ).
 * Z is drawn exactly by the Canonne–Kamath–Steinke discrete Laplace sampler with the rational
 * parameter s/t = epsilonMicro / (unitBits·10^6) (docs/sampling.md#discrete-laplace), no floating
 * point in the noise.
 *
 * Confidence interval: with a = e^{−ε/t}, P(|Z| ≥ z) = 2a^z/(1+a) for z ≥ 1, so the half-width w is
 * the smallest integer with 2a^{w+1}/(1+a) ≤ α (docs/mechanisms/geometric.md#intervals). It is
 * computed in floating point and then rounded outward (never narrower than the exact interval).
 * With `simultaneousM` = m the level becomes 1 − α/m per interval (Bonferroni), so all m intervals
 * hold jointly with probability ≥ 1 − α.
 *
 * Output: the noisy value y = d + Z is clipped to [0, n] for the point estimate (post-processing,
 * free under DP; it matches the clipped-estimate contract of the sketch mechanisms, at the cost of
 * a small bias near 0 and n). The interval is [y − w, y + w] computed from the *unclipped* y and
 * then intersected with [0, n]: since d ∈ [0, n] always, the intersection covers d whenever
 * [y − w, y + w] does, so coverage is unchanged. Both endpoints are clamped into [0, n] so that
 * ciLow ≤ estimate ≤ ciHigh always holds (if |Z| > w and y − w > n the interval degenerates to
 * [n, n]; that event is part of the α miss probability anyway).
 *
 * Timing: the whole noise vector is drawn before any answer is formed, and the sampler's running
 * time depends on the random draws only, never on the distances.
 */
import type { NoiseSource } from './noise-source.js'
import { MICRO_PER_EPSILON } from './epsilon.js'
import { sampleDiscreteLaplace } from './discrete-laplace.js'

export interface GeometricAnswer {
  /** The noisy distance, clipped to [0, n]. */
  estimate: number
  ciLow: number
  ciHigh: number
  /** The noisy distance before the clip: exact distance plus zero-mean noise, so unbiased. */
  unbiased: number
}

function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive safe integer`)
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

/** The discrete Laplace parameters s/t = epsilonMicro / (unitBits·10^6), reduced by their gcd. */
function laplaceParameters(epsilonMicro: number, unitBits: number): { s: number | bigint; t: number | bigint } {
  checkPositiveInteger(epsilonMicro, 'epsilonMicro')
  checkPositiveInteger(unitBits, 'unitBits')
  const s = BigInt(epsilonMicro)
  const t = BigInt(unitBits) * BigInt(MICRO_PER_EPSILON)
  const g = gcd(s, t)
  const sr = s / g
  const tr = t / g
  // sr ≤ epsilonMicro is always safe; tr may not be for absurd unitBits.
  return tr <= BigInt(Number.MAX_SAFE_INTEGER) ? { s: Number(sr), t: Number(tr) } : { s: sr, t: tr }
}

/** One draw of Z with P(Z = z) ∝ exp(−ε|z|/unitBits), ε = epsilonMicro/10^6. */
export function geometricNoise(noise: NoiseSource, epsilonMicro: number, unitBits: number): number {
  const { s, t } = laplaceParameters(epsilonMicro, unitBits)
  return sampleDiscreteLaplace(noise, s, t)
}

// Relative and absolute outward rounding of the half-width; the float error is ~10^-15 relative.
const WIDEN_REL = 1e-9
const WIDEN_ABS = 1e-9

/** Smallest w ≥ 0 with P(|Z| > w) ≤ alpha for Z ∝ exp(−x|z|), rounded outward. */
function halfWidthForAlpha(x: number, alpha: number): number {
  // 2a^{w+1}/(1+a) ≤ α  ⟺  (w+1)·x ≥ ln 2 − ln(1+e^{−x}) − ln α
  const need = (Math.LN2 - Math.log1p(Math.exp(-x)) - Math.log(alpha)) / x - 1
  if (!Number.isFinite(need)) throw new RangeError('confidence interval is not finite')
  return Math.max(0, Math.ceil(need + Math.abs(need) * WIDEN_REL + WIDEN_ABS))
}

function checkConfidence(confidence: number): void {
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new RangeError('confidence must be strictly between 0 and 1')
  }
}

/** Smallest integer w ≥ 0 with P(|Z| > w) ≤ 1 − confidence (conservative: never narrower). */
export function geometricHalfWidth(epsilonMicro: number, unitBits: number, confidence: number): number {
  checkPositiveInteger(epsilonMicro, 'epsilonMicro')
  checkPositiveInteger(unitBits, 'unitBits')
  checkConfidence(confidence)
  return halfWidthForAlpha(epsilonMicro / MICRO_PER_EPSILON / unitBits, 1 - confidence)
}

/**
 * Releases every exact distance (integers in [0, n]) plus independent geometric noise at ε =
 * epsilonMicro/10^6 for neighbours differing in unitBits bits of one record. With simultaneousM = m
 * the intervals hold jointly over m answers.
 */
export function geometricRelease(
  noise: NoiseSource,
  exact: Int32Array | number[],
  epsilonMicro: number,
  unitBits: number,
  n: number,
  confidence: number,
  simultaneousM: number | null = null,
): GeometricAnswer[] {
  const { s, t } = laplaceParameters(epsilonMicro, unitBits)
  checkPositiveInteger(n, 'n')
  checkConfidence(confidence)
  if (simultaneousM !== null) checkPositiveInteger(simultaneousM, 'simultaneousM')
  for (let i = 0; i < exact.length; i++) {
    const d = exact[i]
    if (!Number.isInteger(d) || d < 0 || d > n) throw new RangeError(`exact distance at index ${i} is not an integer in [0, n]`)
  }
  const alpha = (1 - confidence) / (simultaneousM ?? 1)
  const w = halfWidthForAlpha(epsilonMicro / MICRO_PER_EPSILON / unitBits, alpha)

  // Draw the whole noise vector before forming any answer.
  const noisy = new Float64Array(exact.length)
  for (let i = 0; i < exact.length; i++) noisy[i] = sampleDiscreteLaplace(noise, s, t)
  for (let i = 0; i < exact.length; i++) noisy[i] += exact[i]

  const clip = (v: number): number => (v < 0 ? 0 : v > n ? n : v)
  const answers: GeometricAnswer[] = new Array(exact.length)
  for (let i = 0; i < exact.length; i++) {
    const y = noisy[i]
    answers[i] = { estimate: clip(y), ciLow: clip(y - w), ciHigh: clip(y + w), unbiased: y }
  }
  return answers
}

/**
 * Releases a vector of per-record counts (e.g. every record's popcount, L1 sensitivity unitBits:
 * one protected change moves one record's count by at most unitBits) with independent geometric
 * noise at ε = epsilonMicro/10^6. The whole noise vector is drawn first; the released values are
 * not clipped (clipping is post-processing, left to the reader), so they are unbiased.
 */
export function noisyCounts(noise: NoiseSource, exact: Int32Array, epsilonMicro: number, unitBits: number): Int32Array {
  const { s, t } = laplaceParameters(epsilonMicro, unitBits)
  const out = new Int32Array(exact.length)
  for (let i = 0; i < out.length; i++) out[i] = sampleDiscreteLaplace(noise, s, t)
  for (let i = 0; i < out.length; i++) out[i] += exact[i]
  return out
}

/** Variance of Z with P(Z = z) ∝ exp(−ε|z|/unitBits): 2a/(1 − a)² with a = e^{−ε/unitBits}. */
export function geometricVariance(epsilonMicro: number, unitBits: number): number {
  checkPositiveInteger(epsilonMicro, 'epsilonMicro')
  checkPositiveInteger(unitBits, 'unitBits')
  const x = epsilonMicro / MICRO_PER_EPSILON / unitBits
  const a = Math.exp(-x)
  return (2 * a) / (-Math.expm1(-x)) ** 2
}
