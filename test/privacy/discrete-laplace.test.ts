import t from 'tap'
import { CryptoNoiseSource, type NoiseSource } from '../../privacy/noise-source.js'
import { bernoulliExp, bernoulliRational, sampleDiscreteLaplace, uniformInt } from '../../privacy/discrete-laplace.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { binomialSd, chiSquare, discreteLaplaceBins } from './stats.js'

/** Replays fixed words and counts draws; throws when the script runs out. */
class ScriptedNoise implements NoiseSource {
  drawn = 0
  constructor(readonly words: number[]) {}
  nextUint32(): number {
    if (this.drawn >= this.words.length) throw new Error('script exhausted')
    return this.words[this.drawn++] >>> 0
  }
  fillUint32(out: Uint32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32()
  }
}

t.test('uniformInt: rejection at the boundary, no modulo bias', async (t) => {
  const none = new ScriptedNoise([])
  t.equal(uniformInt(none, 1), 0, 'bound 1 needs no randomness')
  t.equal(uniformInt(none, 1n), 0n)
  // bound 3: 2^32 mod 3 = 1, so the single value 2^32 − 1 must be rejected (it would favour residue 0).
  const s3 = new ScriptedNoise([0xffffffff, 0xfffffffe])
  t.equal(uniformInt(s3, 3), 0xfffffffe % 3)
  t.equal(s3.drawn, 2, 'the biased top value was rejected')
  // bound 2^31 + 1: values ≥ 2^32 − (2^32 mod bound) = 2^31 + 1 are rejected.
  const sBig = new ScriptedNoise([2 ** 31 + 1, 2 ** 31, 7])
  t.equal(uniformInt(sBig, 2 ** 31 + 1), 2 ** 31)
  t.equal(sBig.drawn, 2)
  // 53-bit path: hi word's top 21 bits and a low word.
  const s53 = new ScriptedNoise([0xffffffff, 0xffffffff, 0, 5])
  t.equal(uniformInt(s53, 2 ** 52 + 1), 5, 'the all-ones 53-bit value lies above the acceptance limit')
  // BigInt path: bound 2^64 + 1 needs 65 bits, so the top word keeps 1 bit; 2^64 + 1 itself is rejected.
  const sBigint = new ScriptedNoise([0xffffffff, 0, 1, 0x12345678, 3, 4])
  t.equal(uniformInt(sBigint, 2n ** 64n + 1n), (3n << 32n) | 4n)
  t.equal(sBigint.drawn, 6, 'one 65-bit rejection, then acceptance')
  for (const bad of [0, -1, 1.5, NaN, 2 ** 53, 0n, -3n]) {
    t.throws(() => uniformInt(new ScriptedNoise([]), bad as number), RangeError, `rejects bound ${String(bad)}`)
  }
})

t.test('uniformInt: chi-square uniformity (fixed seed)', async (t) => {
  const noise = new SeededNoiseSource('uniform')
  const cases: Array<[string, number | bigint, number]> = [
    ['6', 6, 6],
    ['2^31 + 12345', 2 ** 31 + 12345, 16],
    ['3·2^40 + 7', 3 * 2 ** 40 + 7, 16],
    ['2^70 + 3 (bigint)', 2n ** 70n + 3n, 16],
    ['10^30 (bigint)', 10n ** 30n, 16],
  ]
  for (const [name, bound, bins] of cases) {
    const N = 120_000
    const counts = new Array<number>(bins).fill(0)
    let inRange = true
    for (let i = 0; i < N; i++) {
      const r = uniformInt(noise, bound)
      if (typeof r !== typeof bound) inRange = false
      // Bin by r·bins/bound; the bin widths differ by at most one value, irrelevant at these sizes.
      const bin = typeof r === 'bigint' ? Number((r * BigInt(bins)) / (bound as bigint)) : Math.floor((r * bins) / (bound as number))
      if (bin < 0 || bin >= bins) inRange = false
      else counts[bin]++
    }
    t.ok(inRange, `${name}: every draw in [0, bound) and of the bound's type`)
    const chi = chiSquare(counts, new Array<number>(bins).fill(1 / bins))
    t.ok(chi.pValue > 1e-3, `${name}: χ²=${chi.statistic.toFixed(1)} on ${chi.dof} dof, p=${chi.pValue.toFixed(3)}`)
  }
})

t.test('bernoulliRational and bernoulliExp: frequencies within 4 standard errors', async (t) => {
  const noise = new SeededNoiseSource('bernoulli')
  const N = 200_000
  const rate = (draw: () => boolean): number => {
    let c = 0
    for (let i = 0; i < N; i++) if (draw()) c++
    return c
  }
  const rational: Array<[number | bigint, number | bigint]> = [
    [1, 3], [2, 7n], [0, 5], [5, 5], [2n ** 60n, 3n * 2n ** 60n], [1, 2 ** 50],
  ]
  for (const [num, den] of rational) {
    const p = Number(num) / Number(den)
    const count = rate(() => bernoulliRational(noise, num, den))
    const sd = Math.max(binomialSd(N, p), 1e-9)
    t.ok(Math.abs(count - N * p) <= 4 * sd, `Bernoulli(${num}/${den}): ${count} of ${N}, expected ${(N * p).toFixed(1)}`)
  }
  const exps: Array<[number | bigint, number | bigint]> = [
    [0, 5], [1, 1], [1, 3], [3, 2], [7, 3], [9, 1], [10n ** 20n, 2n * 10n ** 20n], [2 ** 52 - 1, 2 ** 51], [3, 2n ** 64n],
  ]
  for (const [num, den] of exps) {
    const p = Math.exp(-Number(num) / Number(den))
    const count = rate(() => bernoulliExp(noise, num, den))
    const sd = Math.max(binomialSd(N, p), 1e-9)
    t.ok(Math.abs(count - N * p) <= 4 * sd, `Bernoulli(exp(−${num}/${den})): ${count} of ${N}, expected ${(N * p).toFixed(1)}`)
  }
  for (const [num, den] of [[3, 2], [-1, 2], [1, 0], [1.5, 2], [-1n, 2n], [3n, 2n]] as Array<[number | bigint, number | bigint]>) {
    t.throws(() => bernoulliRational(noise, num, den), RangeError, `bernoulliRational rejects ${num}/${den}`)
  }
  for (const [num, den] of [[-1, 2], [1, 0], [1, 0.5], [-1n, 1n], [1n, 0n]] as Array<[number | bigint, number | bigint]>) {
    t.throws(() => bernoulliExp(noise, num, den), RangeError, `bernoulliExp rejects ${num}/${den}`)
  }
})

/** Draws N values and runs a chi-square test against the exact pmf P(z) ∝ a^{|z|}, a = e^{−s/t}. */
function laplaceFit(noise: NoiseSource, s: number | bigint, t: number | bigint, N: number) {
  const a = Math.exp(-Number(s) / Number(t))
  // Bins out to where the expected count per value falls below ~1; the rest is pooled into the tails.
  const K = Math.max(1, Math.ceil(Math.log(1 / N) / Math.log(a)))
  const { probabilities, binOf } = discreteLaplaceBins(a, K)
  const counts = new Array<number>(probabilities.length).fill(0)
  let integers = true
  let sum = 0
  for (let i = 0; i < N; i++) {
    const z = sampleDiscreteLaplace(noise, s, t)
    if (!Number.isSafeInteger(z)) integers = false
    sum += z
    counts[binOf(z)]++
  }
  return { ...chiSquare(counts, probabilities), integers, mean: sum / N, a }
}

t.test('discrete Laplace: histogram matches the exact pmf (chi-square, fixed seed)', async (t) => {
  const cases: Array<[string, number | bigint, number | bigint, number]> = [
    ['ε=0.7 (s/t = 7/10)', 700_000, 1_000_000, 400_000],
    ['ε=0.1 (s/t = 1/10)', 1, 10, 200_000],
    ['ε=2.5, unitBits 3 (s/t = 5/6)', 2_500_000, 3_000_000, 200_000],
    ['ε=10 (s/t = 10)', 10, 1, 200_000],
    ['s/t = 3/1000 (wide)', 3, 1000, 100_000],
    ['bigint s/t ≈ 0.7 beyond 2^53', 7n * 2n ** 60n + 1n, 10n * 2n ** 60n + 3n, 20_000],
  ]
  for (const [name, s, tt, N] of cases) {
    const fit = laplaceFit(new SeededNoiseSource(`laplace-${name}`), s, tt, N)
    t.ok(fit.integers, `${name}: integer draws`)
    t.ok(fit.pValue > 1e-3, `${name}: χ²=${fit.statistic.toFixed(1)} on ${fit.dof} dof, p=${fit.pValue.toFixed(3)}`)
    // Symmetric around 0: the mean is within 4 SE of 0 (Var Z = 2a/(1−a)²).
    const se = Math.sqrt((2 * fit.a) / (1 - fit.a) ** 2 / N)
    t.ok(Math.abs(fit.mean) <= 4 * se + 1e-12, `${name}: mean ${fit.mean.toFixed(4)} within 4 SE (${se.toFixed(4)}) of 0`)
  }
})

t.test('discrete Laplace: smoke run on the real CSPRNG', async (t) => {
  const fit = laplaceFit(new CryptoNoiseSource(), 700_000, 1_000_000, 100_000)
  // Not seeded: a p-value threshold of 10^-6 makes a false alarm negligible.
  t.ok(fit.pValue > 1e-6, `χ²=${fit.statistic.toFixed(1)} on ${fit.dof} dof, p=${fit.pValue.toFixed(4)}`)
})

t.test('discrete Laplace: the chi-square test detects a wrong scale', async (t) => {
  // Draws at ε = 0.7 tested against the pmf for ε = 0.8 must be rejected: the test has power.
  const noise = new SeededNoiseSource('power')
  const N = 400_000
  const a = Math.exp(-0.8)
  const K = Math.ceil(Math.log(1 / N) / Math.log(a))
  const { probabilities, binOf } = discreteLaplaceBins(a, K)
  const counts = new Array<number>(probabilities.length).fill(0)
  for (let i = 0; i < N; i++) counts[binOf(sampleDiscreteLaplace(noise, 7, 10))]++
  t.ok(chiSquare(counts, probabilities).pValue < 1e-6, 'a 14 % scale error is detected')
})

t.test('sampleDiscreteLaplace: argument checks', async (t) => {
  const noise = new SeededNoiseSource('args')
  for (const [s, tt] of [[0, 1], [1, 0], [-1, 1], [1.5, 2], [NaN, 1], [0n, 1n], [1n, -1n]] as Array<[number | bigint, number | bigint]>) {
    t.throws(() => sampleDiscreteLaplace(noise, s, tt), RangeError, `rejects s=${s}, t=${tt}`)
  }
  // gcd reduction: s/t and (k·s)/(k·t) give the same draws from the same stream.
  const a = new SeededNoiseSource('same')
  const b = new SeededNoiseSource('same')
  let same = true
  for (let i = 0; i < 1000; i++) if (sampleDiscreteLaplace(a, 7, 10) !== sampleDiscreteLaplace(b, 700_000n, 1_000_000n)) same = false
  t.ok(same, 'the fraction is reduced before sampling')
})
