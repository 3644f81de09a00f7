/**
 * Exact discrete Laplace (two-sided geometric) sampling from uniform integers only.
 *
 * Computes Z with P(Z = z) ∝ exp(−|z|·s/t) for positive integers s, t, following Canonne, Kamath
 * and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1–2
 * (docs/sampling.md#discrete-laplace). Floating-point inverse-CDF noise leaks through its rounding pattern (Mironov 2012),
 * so every step here is integer arithmetic on uniform integers drawn from a NoiseSource:
 *   bern(num, den)       = [uniform integer in [0, den) < num], by rejection sampling (no modulo bias)
 *   bernExp(num, den)    = Bernoulli(exp(−num/den)): exp(−γ) = exp(−1)^⌊γ⌋·exp(−(γ−⌊γ⌋)), and for
 *                          γ ∈ [0, 1] the first k ≥ 1 whose Bernoulli(γ/k) fails is odd w.p. exp(−γ)
 *   discreteLaplace(s,t) = U uniform in [0, t) accepted w.p. exp(−U/t), V geometric via bernExp(1, 1):
 *                          X = U + t·V is geometric with ratio e^{−1/t}, Y = ⌊X/s⌋ with ratio e^{−s/t};
 *                          a fair sign, rejecting (negative, 0) so that 0 is not counted twice.
 * Plain JS numbers are used while every intermediate value is a safe integer; anything larger
 * continues in BigInt, so the result is exact for all inputs.
 *
 * Timing: the running time depends on the random draws only, never on the data the noise protects,
 * but it is not constant: the V loop runs about |Z|·s/t times, so a larger |Z| takes longer (tens of
 * nanoseconds per step). Someone who could time a single draw precisely would learn something
 * about |Z|; callers release a whole vector at once (see geometric.ts) so that only the total over
 * all draws is observable (the residual risk is documented for operators in SECURITY.md).
 */
import type { NoiseSource } from './noise-source.js'

const TWO_32 = 2 ** 32
const TWO_53 = 2 ** 53
const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Uniform integer in [0, bound) from a number bound (a positive safe integer). */
function uniformNumber(noise: NoiseSource, bound: number): number {
  if (bound === 1) return 0
  if (bound <= TWO_32) {
    // Accept r below the largest multiple of bound that fits in 32 bits: every residue equally likely.
    const limit = TWO_32 - (TWO_32 % bound)
    for (;;) {
      const r = noise.nextUint32()
      if (r < limit) return r % bound
    }
  }
  const limit = TWO_53 - (TWO_53 % bound)
  for (;;) {
    const r = (noise.nextUint32() >>> 11) * TWO_32 + noise.nextUint32()
    if (r < limit) return r % bound
  }
}

/** Uniform bigint in [0, bound) for bound > 0n: draw bitLength(bound − 1) bits, reject if ≥ bound. */
function uniformBig(noise: NoiseSource, bound: bigint): bigint {
  if (bound <= BigInt(MAX_SAFE)) return BigInt(uniformNumber(noise, Number(bound)))
  const bits = (bound - 1n).toString(2).length
  const nWords = Math.ceil(bits / 32)
  const topBits = bits - 32 * (nWords - 1)
  for (;;) {
    // Top word keeps only its low topBits bits; acceptance probability is above 1/2.
    let r = BigInt(topBits === 32 ? noise.nextUint32() : noise.nextUint32() >>> (32 - topBits))
    for (let i = 1; i < nWords; i++) r = (r << 32n) | BigInt(noise.nextUint32())
    if (r < bound) return r
  }
}

function checkBound(bound: bigint | number): void {
  if (typeof bound === 'bigint') {
    if (bound <= 0n) throw new RangeError('bound must be positive')
  } else if (!Number.isSafeInteger(bound) || bound <= 0) {
    throw new RangeError('bound must be a positive safe integer or a bigint')
  }
}

/** Uniform integer in [0, bound), by rejection sampling (no modulo bias). Returns the type of `bound`. */
export function uniformInt(noise: NoiseSource, bound: bigint): bigint
export function uniformInt(noise: NoiseSource, bound: number): number
export function uniformInt(noise: NoiseSource, bound: bigint | number): bigint | number
export function uniformInt(noise: NoiseSource, bound: bigint | number): bigint | number {
  checkBound(bound)
  return typeof bound === 'bigint' ? uniformBig(noise, bound) : uniformNumber(noise, bound)
}

function isSafeNonNegative(x: bigint | number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function toBigInt(x: bigint | number, name: string): bigint {
  if (typeof x === 'bigint') return x
  if (!Number.isSafeInteger(x)) throw new RangeError(`${name} must be a safe integer or a bigint`)
  return BigInt(x)
}

/** Bernoulli(num/den) for integers 0 ≤ num ≤ den, den > 0. */
export function bernoulliRational(noise: NoiseSource, num: bigint | number, den: bigint | number): boolean {
  if (isSafeNonNegative(num) && isSafeNonNegative(den)) {
    if (den === 0 || num > den) throw new RangeError('need 0 ≤ num ≤ den and den > 0')
    return uniformNumber(noise, den) < num
  }
  const n = toBigInt(num, 'num')
  const d = toBigInt(den, 'den')
  if (d <= 0n || n < 0n || n > d) throw new RangeError('need 0 ≤ num ≤ den and den > 0')
  return uniformBig(noise, d) < n
}

/** Bernoulli(exp(−num/den)) for num/den ∈ [0, 1], number path (switches to BigInt when den·k is unsafe). */
function bernExpUnitNumber(noise: NoiseSource, num: number, den: number): boolean {
  let k = 1
  for (;;) {
    const d = den * k
    if (d > MAX_SAFE) return bernExpUnitBig(noise, BigInt(num), BigInt(den), BigInt(k))
    if (uniformNumber(noise, d) >= num) return (k & 1) === 1
    k++
  }
}

/** Bernoulli(exp(−num/den)) for num/den ∈ [0, 1], continuing the loop from `k`. */
function bernExpUnitBig(noise: NoiseSource, num: bigint, den: bigint, k: bigint): boolean {
  for (;;) {
    if (uniformBig(noise, den * k) >= num) return (k & 1n) === 1n
    k++
  }
}

function bernExpNumber(noise: NoiseSource, num: number, den: number): boolean {
  while (num > den) {
    if (!bernExpUnitNumber(noise, 1, 1)) return false
    num -= den
  }
  return bernExpUnitNumber(noise, num, den)
}

function bernExpBig(noise: NoiseSource, num: bigint, den: bigint): boolean {
  while (num > den) {
    if (!bernExpUnitNumber(noise, 1, 1)) return false
    num -= den
  }
  return bernExpUnitBig(noise, num, den, 1n)
}

/** Bernoulli(exp(−num/den)) for integers num ≥ 0, den > 0. */
export function bernoulliExp(noise: NoiseSource, num: bigint | number, den: bigint | number): boolean {
  if (isSafeNonNegative(num) && isSafeNonNegative(den)) {
    if (den === 0) throw new RangeError('den must be positive')
    return bernExpNumber(noise, num, den)
  }
  const n = toBigInt(num, 'num')
  const d = toBigInt(den, 'den')
  if (d <= 0n || n < 0n) throw new RangeError('need num ≥ 0 and den > 0')
  return bernExpBig(noise, n, d)
}

function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

function gcdNumber(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/**
 * One draw of Z with P(Z = z) ∝ exp(−|z|·s/t), for positive integers s and t (numbers or bigints).
 * Throws RangeError if the drawn |Z| is not a safe integer (possible only for scales t/s near 2^50).
 */
export function sampleDiscreteLaplace(noise: NoiseSource, s: number | bigint, t: number | bigint): number {
  if (typeof s === 'number' && typeof t === 'number') {
    if (!Number.isSafeInteger(s) || s <= 0 || !Number.isSafeInteger(t) || t <= 0) {
      throw new RangeError('s and t must be positive safe integers or bigints')
    }
    const g = gcdNumber(s, t)
    return discreteLaplaceNumber(noise, s / g, t / g)
  }
  const sb = toBigInt(s, 's')
  const tb = toBigInt(t, 't')
  if (sb <= 0n || tb <= 0n) throw new RangeError('s and t must be positive')
  const g = gcdBig(sb, tb)
  const sr = sb / g
  const tr = tb / g
  if (sr <= BigInt(MAX_SAFE) && tr <= BigInt(MAX_SAFE)) return discreteLaplaceNumber(noise, Number(sr), Number(tr))
  return discreteLaplaceBig(noise, sr, tr)
}

function discreteLaplaceNumber(noise: NoiseSource, s: number, t: number): number {
  for (;;) {
    const u = uniformNumber(noise, t)
    if (!bernExpUnitNumber(noise, u, t)) continue
    let v = 0
    while (bernExpUnitNumber(noise, 1, 1)) v++
    let y: number
    // x = u + t·v; the float product only rounds when it is already beyond the safe range.
    if (t * v <= MAX_SAFE - u) {
      const x = u + t * v
      y = (x - (x % s)) / s
    } else {
      y = safeMagnitude((BigInt(u) + BigInt(t) * BigInt(v)) / BigInt(s))
    }
    const negative = noise.nextUint32() >>> 31 === 1
    if (negative && y === 0) continue
    return negative ? -y : y
  }
}

function discreteLaplaceBig(noise: NoiseSource, s: bigint, t: bigint): number {
  for (;;) {
    const u = uniformBig(noise, t)
    if (!bernExpUnitBig(noise, u, t, 1n)) continue
    let v = 0n
    while (bernExpUnitNumber(noise, 1, 1)) v++
    const y = safeMagnitude((u + t * v) / s)
    const negative = noise.nextUint32() >>> 31 === 1
    if (negative && y === 0) continue
    return negative ? -y : y
  }
}

function safeMagnitude(y: bigint): number {
  if (y > BigInt(MAX_SAFE)) throw new RangeError('discrete Laplace draw exceeds the safe integer range')
  return Number(y)
}
