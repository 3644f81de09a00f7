import t from 'tap'
import { geometricHalfWidth, geometricNoise, geometricRelease } from '../../privacy/geometric.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { binomialSd, chiSquare, discreteLaplaceBins } from './stats.js'

/** P(|Z| > w) for P(Z = z) = (1−a)/(1+a)·a^{|z|}, by direct summation of the pmf (not the closed form). */
function tailBySummation(a: number, w: number): number {
  const norm = (1 - a) / (1 + a)
  let inside = norm
  for (let z = 1; z <= w; z++) inside += 2 * norm * a ** z
  return Math.max(0, 1 - inside)
}

t.test('geometricNoise: P(z) ∝ exp(−ε|z|/unitBits) (chi-square, fixed seed)', async (t) => {
  const cases: Array<[number, number, number]> = [
    [700_000, 1, 300_000],
    [1_000_000, 3, 200_000],
    [250_000, 2, 100_000],
    [123_457, 1, 100_000],
  ]
  for (const [epsilonMicro, unitBits, N] of cases) {
    const noise = new SeededNoiseSource(`geometric-${epsilonMicro}-${unitBits}`)
    const a = Math.exp(-epsilonMicro / 1e6 / unitBits)
    const K = Math.ceil(Math.log(1 / N) / Math.log(a))
    const { probabilities, binOf } = discreteLaplaceBins(a, K)
    const counts = new Array<number>(probabilities.length).fill(0)
    for (let i = 0; i < N; i++) counts[binOf(geometricNoise(noise, epsilonMicro, unitBits))]++
    const chi = chiSquare(counts, probabilities)
    t.ok(chi.pValue > 1e-3, `ε=${epsilonMicro / 1e6}, unitBits=${unitBits}: χ²=${chi.statistic.toFixed(1)} on ${chi.dof} dof, p=${chi.pValue.toFixed(3)}`)
  }
  t.throws(() => geometricNoise(new SeededNoiseSource(1), 0, 1), RangeError)
  t.throws(() => geometricNoise(new SeededNoiseSource(1), 1, 0), RangeError)
  t.throws(() => geometricNoise(new SeededNoiseSource(1), 0.5, 1), RangeError)
})

t.test('geometricHalfWidth: smallest w with P(|Z| > w) ≤ 1 − confidence, never narrower', async (t) => {
  let checked = 0
  const wrong: string[] = []
  for (const epsilonMicro of [1_000, 50_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 20_000_000]) {
    for (const unitBits of [1, 2, 8]) {
      for (const confidence of [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]) {
        const a = Math.exp(-epsilonMicro / 1e6 / unitBits)
        const alpha = 1 - confidence
        const w = geometricHalfWidth(epsilonMicro, unitBits, confidence)
        checked++
        const closed = (z: number): number => (2 * a ** (z + 1)) / (1 + a)
        // Valid: the miss probability is at most α (closed form, and by summation where that is precise).
        if (!(closed(w) <= alpha * (1 + 1e-12))) wrong.push(`closed tail at w=${w} exceeds α (${epsilonMicro}, ${unitBits}, ${confidence})`)
        if (w < 5000 && !(tailBySummation(a, w) <= alpha + 1e-9)) wrong.push(`summed tail exceeds α (${epsilonMicro}, ${unitBits}, ${confidence})`)
        // Tight: one less would miss too often (allowing for the outward rounding of 10^-9).
        if (w > 0 && !(closed(w - 1) > alpha * (1 - 1e-6))) wrong.push(`w=${w} is wider than needed (${epsilonMicro}, ${unitBits}, ${confidence})`)
      }
    }
  }
  t.same(wrong, [], `${checked} (ε, unitBits, confidence) combinations`)
  t.equal(geometricHalfWidth(20_000_000, 1, 0.95), 0, 'large ε: the exact answer is inside with probability ≥ 95 %')
  // Closed form check by hand: ε = 1, α = 0.05: 2e^{−(w+1)}/(1+e^{−1}) ≤ 0.05 ⟺ w ≥ 2.37 → w = 3.
  t.equal(geometricHalfWidth(1_000_000, 1, 0.95), 3)
  for (const c of [0, 1, -0.1, 1.1, NaN]) {
    t.throws(() => geometricHalfWidth(1_000_000, 1, c), RangeError, `rejects confidence ${c}`)
  }
})

t.test('geometricRelease: coverage of the intervals (fixed seed)', async (t) => {
  const n = 1_000_000
  for (const [epsilonMicro, unitBits, confidence] of [[500_000, 1, 0.9], [1_000_000, 4, 0.95], [3_000_000, 1, 0.8]] as const) {
    const N = 100_000
    const exact = Int32Array.from({ length: N }, (_, i) => 1000 + (i % 5000))
    const out = geometricRelease(new SeededNoiseSource(`coverage-${epsilonMicro}`), exact, epsilonMicro, unitBits, n, confidence)
    let covered = 0
    for (let i = 0; i < N; i++) if (out[i].ciLow <= exact[i] && exact[i] <= out[i].ciHigh) covered++
    // Far from 0 and n nothing is clipped, so the exact coverage is 1 − P(|Z| > w) (≥ confidence; discreteness).
    const w = geometricHalfWidth(epsilonMicro, unitBits, confidence)
    const a = Math.exp(-epsilonMicro / 1e6 / unitBits)
    const exactCoverage = 1 - (2 * a ** (w + 1)) / (1 + a)
    t.ok(exactCoverage >= confidence, `nominal ${confidence}: exact coverage ${exactCoverage.toFixed(4)}`)
    const z = (covered - N * exactCoverage) / binomialSd(N, exactCoverage)
    t.ok(Math.abs(z) <= 4, `empirical coverage ${(covered / N).toFixed(4)} matches ${exactCoverage.toFixed(4)} (z=${z.toFixed(2)})`)
  }
})

t.test('geometricRelease: clipping keeps estimates and intervals in [0, n] without losing coverage', async (t) => {
  const n = 64
  const N = 50_000
  const confidence = 0.9
  const exact = Int32Array.from({ length: N }, (_, i) => [0, 1, 63, 64][i % 4])
  const out = geometricRelease(new SeededNoiseSource('clip'), exact, 300_000, 1, n, confidence)
  let ordered = true
  let covered = 0
  let clippedSeen = 0
  for (let i = 0; i < N; i++) {
    const { estimate, ciLow, ciHigh } = out[i]
    if (!(Number.isInteger(estimate) && 0 <= ciLow && ciLow <= estimate && estimate <= ciHigh && ciHigh <= n)) ordered = false
    if (estimate === 0 || estimate === n) clippedSeen++
    if (ciLow <= exact[i] && exact[i] <= ciHigh) covered++
  }
  t.ok(ordered, 'integers with 0 ≤ ciLow ≤ estimate ≤ ciHigh ≤ n')
  t.ok(clippedSeen > N / 4, 'distances at the boundary produce clipped estimates')
  // At the boundary the clipped estimate is biased (towards the middle); the unbiased one is not.
  for (const d of [0, 64]) {
    const idx = Array.from({ length: N / 4 }, (_, j) => 4 * j + (d === 0 ? 0 : 3))
    const meanClipped = idx.reduce((s, i) => s + out[i].estimate, 0) / idx.length - d
    const meanUnbiased = idx.reduce((s, i) => s + out[i].unbiased, 0) / idx.length - d
    // Var of the discrete Laplace with a = e^{−0.3}: 2a/(1 − a)²
    const a = Math.exp(-0.3)
    const se = Math.sqrt((2 * a) / (1 - a) ** 2 / idx.length)
    t.ok(Math.abs(meanClipped) > 10 * se, `d=${d}: the clipped estimate is biased (${meanClipped.toFixed(3)})`)
    t.ok(Math.abs(meanUnbiased) <= 4 * se, `d=${d}: the unbiased estimate is not (${meanUnbiased.toFixed(3)}, SE ${se.toFixed(3)})`)
    t.ok(idx.every((i) => out[i].estimate === Math.min(Math.max(out[i].unbiased, 0), n)), `d=${d}: estimate = unbiased clipped to [0, n]`)
  }
  const z = (covered - N * confidence) / binomialSd(N, confidence)
  t.ok(z >= -4, `coverage ${(covered / N).toFixed(4)} is at least the nominal ${confidence} (z=${z.toFixed(2)})`)
})

t.test('geometricRelease: simultaneous intervals hold jointly (Bonferroni)', async (t) => {
  const m = 50
  const runs = 2000
  const confidence = 0.9
  const noise = new SeededNoiseSource('simultaneous')
  const exact = Int32Array.from({ length: m }, (_, i) => 100 + i)
  let allCovered = 0
  let width = -1
  for (let r = 0; r < runs; r++) {
    const out = geometricRelease(noise, exact, 1_000_000, 1, 1000, confidence, m)
    if (out.every((o, i) => o.ciLow <= exact[i] && exact[i] <= o.ciHigh)) allCovered++
    width = out[0].ciHigh - out[0].ciLow
  }
  const w = geometricHalfWidth(1_000_000, 1, 1 - (1 - confidence) / m)
  t.equal(width, 2 * w, 'half-width at confidence 1 − (1 − c)/m')
  t.ok(w > geometricHalfWidth(1_000_000, 1, confidence), 'wider than a single interval')
  const z = (allCovered - runs * confidence) / binomialSd(runs, confidence)
  t.ok(z >= -4, `joint coverage ${(allCovered / runs).toFixed(3)} ≥ ${confidence} (z=${z.toFixed(2)})`)
})

t.test('geometricRelease: argument checks', async (t) => {
  const noise = new SeededNoiseSource('args')
  t.same(geometricRelease(noise, [], 1_000_000, 1, 10, 0.95), [])
  t.equal(geometricRelease(noise, [3, 4], 1_000_000, 1, 10, 0.95).length, 2)
  const bad: Array<[string, () => unknown]> = [
    ['distance above n', () => geometricRelease(noise, [11], 1_000_000, 1, 10, 0.95)],
    ['negative distance', () => geometricRelease(noise, [-1], 1_000_000, 1, 10, 0.95)],
    ['fractional distance', () => geometricRelease(noise, [1.5], 1_000_000, 1, 10, 0.95)],
    ['n = 0', () => geometricRelease(noise, [0], 1_000_000, 1, 0, 0.95)],
    ['ε = 0', () => geometricRelease(noise, [0], 0, 1, 10, 0.95)],
    ['unitBits = 0', () => geometricRelease(noise, [0], 1, 0, 10, 0.95)],
    ['confidence 1', () => geometricRelease(noise, [0], 1, 1, 10, 1)],
    ['simultaneousM 0', () => geometricRelease(noise, [0], 1, 1, 10, 0.9, 0)],
  ]
  for (const [name, f] of bad) t.throws(f, RangeError, name)
})
