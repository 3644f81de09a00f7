/**
 * Exact model of the pl07 statistics and its inversion (docs/mechanisms/pl07.md#intervals), used by
 * sketch/mechanisms/pl07.ts for its calibration, its debiased estimate and its intervals.
 *
 * pl07Moments: mean μ(T) and sd σ(T) of the chosen statistic (Σ_j mean_t T̂_{j,t} for "debiased",
 * Σ_j max_t C_{j,t} for "paper") at T mismatches under a uniformly random table: per group the law of
 * C given its load is the Ehrenfest chain of sketch/stats/parity-model.ts; bucket loads are
 * multinomial(T, 1/M2), and their covariance enters exactly (E[f(T₁) f(T₂)] through
 * T₂ | T₁ ~ Binomial(T − T₁, 1/(M2 − 1))).
 *
 * MeanInversion: μ⁻¹, the "debiased" estimate. UnbiasedInversion: μ⁻¹ without the clip and minus its
 * own convexity bias, the estimate whose mean over records is their mean distance.
 */
import { XorCountChain, collisionInversionTable } from './parity-model.js'

export type Pl07Estimator = 'paper' | 'debiased'

/** ln i! for i = 0..maxN. */
function lnFactorials(maxN: number): Float64Array {
  const lnFact = new Float64Array(maxN + 1)
  for (let i = 1; i <= maxN; i++) lnFact[i] = lnFact[i - 1] + Math.log(i)
  return lnFact
}

/**
 * Binomial(N, q) pmf on its bulk: out[a] for a in the returned [lo, hi] (q ∈ (0, 1]); entries outside
 * mean ± (14 sd + 8) are below 1e-40 and skipped, which keeps the moments O(√N) per row.
 */
function binomialWindow(N: number, q: number, lnFact: Float64Array, out: Float64Array): { lo: number; hi: number } {
  if (q >= 1) {
    out[N] = 1
    return { lo: N, hi: N }
  }
  const mean = N * q
  const spread = 14 * Math.sqrt(N * q * (1 - q)) + 8
  const lo = Math.max(0, Math.floor(mean - spread))
  const hi = Math.min(N, Math.ceil(mean + spread))
  const lnQ = Math.log(q)
  const ln1mQ = Math.log1p(-q)
  for (let a = lo; a <= hi; a++) out[a] = Math.exp(lnFact[N] - lnFact[a] - lnFact[N - a] + a * lnQ + (N - a) * ln1mQ)
  return { lo, hi }
}

/**
 * Exact mean and sd of the pl07 statistic at each distance in `distances` (integers ≥ 0) under a
 * uniformly random table: per group the Ehrenfest law of C, bucket loads multinomial(T, 1/M2).
 */
export function pl07Moments(
  sizes: { buckets: number; repetitions: number; cellsPerGroup: number },
  pTilde: number,
  estimator: Pl07Estimator,
  distances: number[],
): { mean: Float64Array; sd: Float64Array } {
  const { buckets: M2, repetitions: L, cellsPerGroup: M1 } = sizes
  const maxT = distances.reduce((a, b) => Math.max(a, b), 0)
  // Per bucket load t: mean and variance of the bucket's contribution.
  const bucketMean = new Float64Array(maxT + 1)
  const bucketVar = new Float64Array(maxT + 1)
  const chain = new XorCountChain(M1, pTilde)
  const inversion = collisionInversionTable(M1, pTilde)
  for (let t = 0; t <= maxT; t++) {
    if (t > 0) chain.step()
    if (estimator === 'debiased') {
      const { mean, variance } = chain.moments(inversion)
      bucketMean[t] = mean
      bucketVar[t] = variance / L
    } else {
      // max of L independent counts: P(max ≤ c) = F(c)^L.
      let cdf = 0
      let prevPow = 0
      let m1 = 0
      let m2 = 0
      for (let c = chain.lo; c <= chain.hi; c++) {
        cdf += chain.pmf[c]
        const pow = Math.pow(Math.min(cdf, 1), L)
        const mass = pow - prevPow
        prevPow = pow
        m1 += mass * c
        m2 += mass * c * c
      }
      m1 /= prevPow
      m2 /= prevPow
      bucketMean[t] = m1
      bucketVar[t] = Math.max(0, m2 - m1 * m1)
    }
  }
  const lnFact = lnFactorials(maxT)
  const row = new Float64Array(maxT + 1)
  // h(r) = E[bucketMean(Binomial(r, 1/(M2 − 1)))]: the second bucket's mean given the first's load.
  const h = new Float64Array(maxT + 1)
  if (M2 > 1) {
    for (let r = 0; r <= maxT; r++) {
      const { lo, hi } = binomialWindow(r, 1 / (M2 - 1), lnFact, row)
      let s = 0
      for (let b = lo; b <= hi; b++) s += row[b] * bucketMean[b]
      h[r] = s
    }
  }
  const mean = new Float64Array(distances.length)
  const sd = new Float64Array(distances.length)
  distances.forEach((T, idx) => {
    const { lo, hi } = binomialWindow(T, 1 / M2, lnFact, row)
    let e1 = 0
    let e2 = 0
    let eVar = 0
    let e12 = 0
    for (let a = lo; a <= hi; a++) {
      const w = row[a]
      e1 += w * bucketMean[a]
      e2 += w * bucketMean[a] * bucketMean[a]
      eVar += w * bucketVar[a]
      if (M2 > 1) e12 += w * bucketMean[a] * h[T - a]
    }
    const between = M2 > 1 ? M2 * (e2 - e1 * e1) + M2 * (M2 - 1) * (e12 - e1 * e1) : 0
    mean[idx] = M2 * e1
    sd[idx] = Math.sqrt(Math.max(0, M2 * eVar + between))
  })
  return { mean, sd }
}

/**
 * Inverse of the model mean: for an observed statistic s, the T ∈ [0, G] with μ(T) = s, linear between
 * the integer grid points. μ is read through its running maximum, so a flat or (by rounding) slightly
 * falling stretch cannot make the inverse ambiguous; the exact μ is increasing and flattens only where
 * the groups saturate. s ≤ μ(0) gives 0 and s ≥ μ(G) gives G. Lookups are a binary search over the
 * G + 1 grid points and allocate nothing.
 */
export class MeanInversion {
  readonly G: number
  readonly #envelope: Float64Array

  constructor(mean: ArrayLike<number>) {
    const count = mean.length
    if (count === 0) throw new RangeError('mean must be non-empty')
    this.G = count - 1
    this.#envelope = new Float64Array(count)
    let run = -Infinity
    for (let T = 0; T < count; T++) {
      if (!Number.isFinite(mean[T])) throw new RangeError('mean must be finite')
      this.#envelope[T] = run = Math.max(run, mean[T])
    }
  }

  estimate(s: number): number {
    const env = this.#envelope
    const G = this.G
    if (!(s > env[0])) return 0
    if (s >= env[G]) return G
    // First T with env(T) ≥ s; then env(T − 1) < s ≤ env(T), so env(T) > env(T − 1).
    let a = 1
    let b = G
    while (a < b) {
      const mid = (a + b) >>> 1
      if (env[mid] >= s) b = mid
      else a = mid + 1
    }
    const below = env[a - 1]
    return a - 1 + (s - below) / (env[a] - below)
  }

  /** μ⁻¹ without the clip to [0, G]: continued linearly past the ends with the first and last step's slope. */
  unclipped(s: number): number {
    const env = this.#envelope
    const G = this.G
    if (G === 0) return 0
    if (s < env[0]) return env[1] > env[0] ? (s - env[0]) / (env[1] - env[0]) : 0
    if (s > env[G]) return env[G] > env[G - 1] ? G + (s - env[G]) / (env[G] - env[G - 1]) : G
    return this.estimate(s)
  }
}

/**
 * The unbiased estimate of the debiased estimator (Estimate.unbiased): u(S) = μ⁻¹(S) without the clip
 * (MeanInversion.unclipped), minus u's own bias b(T) = E[u(S) | T] − T read at T = u(S). b comes from
 * the model (S ~ Normal(μ(T), σ(T)²) with the exact moments of the calibration, a midpoint rule on
 * z ∈ [−6, 6]); it is the convexity of μ⁻¹ (groups saturate as T grows), second order in σ. Without
 * the clip, nothing bounds the estimate below, which is what makes its mean the mean distance.
 */
export class UnbiasedInversion {
  readonly #inversion: MeanInversion
  readonly #bias: Float64Array

  constructor(mean: ArrayLike<number>, sd: ArrayLike<number>, inversion: MeanInversion) {
    this.#inversion = inversion
    const G = mean.length - 1
    this.#bias = new Float64Array(G + 1)
    const steps = 240
    const h = 12 / steps
    for (let T = 0; T <= G; T++) {
      let acc = 0
      let mass = 0
      for (let i = 0; i < steps; i++) {
        const z = -6 + (i + 0.5) * h
        const w = Math.exp(-0.5 * z * z)
        acc += w * inversion.unclipped(mean[T] + z * sd[T])
        mass += w
      }
      this.#bias[T] = acc / mass - T
    }
  }

  /** b(T), linear between grid points and constant past the ends. */
  bias(T: number): number {
    const b = this.#bias
    const G = b.length - 1
    if (!(T > 0)) return b[0]
    if (T >= G) return b[G]
    const i = Math.floor(T)
    return b[i] + (T - i) * (b[i + 1] - b[i])
  }

  estimate(s: number): number {
    const u = this.#inversion.unclipped(s)
    return u - this.bias(u)
  }
}
