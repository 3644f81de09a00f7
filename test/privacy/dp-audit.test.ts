/**
 * Empirical DP audit: run a mechanism 10^6 times on each of two neighbouring inputs, histogram the
 * outputs, and check that the empirical privacy loss |ln(P̂(o)/P̂'(o))| stays below ε plus a
 * tolerance derived from the sampling error, for every output o with enough mass in both runs.
 * Each audit is also run on a deliberately broken mechanism (half the noise it needs: ε doubled or
 * Δ halved), which must FAIL, so the test is shown to be able to fail (the broken geometric runs use
 * 2·10^5 samples per input to save time; fewer samples only make the failure harder to detect).
 *
 * Tolerance: with c and c' counts out of N, Var ln(c/N) ≈ 1/c − 1/N (delta method), so
 * se(o) = √(1/c − 1/N + 1/c' − 1/N). An output passes if |loss(o)| ≤ ε + z·se(o), with z chosen so
 * that the family-wise false-alarm probability over the K compared outputs is 10^-3 (Bonferroni:
 * P(|N(0,1)| > z) = 10^-3/K). Outputs need ≥ 100 samples in both runs (the normal approximation
 * of ln c holds there); rarer outputs are not compared.
 */
import t from 'tap'
import type { NoiseSource } from '../../privacy/noise-source.js'
import { flipProbability, randomizedResponse } from '../../privacy/randomized-response.js'
import { geometricRelease, noisyCounts } from '../../privacy/geometric.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { gammaQ } from './stats.js'

const SAMPLES = 1_000_000
// The deliberately broken mechanisms need fewer samples to be caught (fewer samples only widen the
// tolerance, which makes catching them harder, not easier).
const BROKEN_SAMPLES = 200_000
const MIN_COUNT = 100
const FAMILY_ALPHA = 1e-3

/** z with P(|N(0,1)| > z) = alpha, by bisection on Q(1/2, z²/2). */
function twoSidedZ(alpha: number): number {
  let lo = 0
  let hi = 40
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (gammaQ(0.5, (mid * mid) / 2) > alpha) lo = mid
    else hi = mid
  }
  return hi
}

interface Audit {
  pass: boolean
  maxLoss: number
  toleranceAtMax: number
  compared: number
  worst: string
}

function audit(a: Map<string, number>, b: Map<string, number>, epsilon: number, samples = SAMPLES): Audit {
  const outputs = [...a.keys()].filter((o) => (a.get(o) ?? 0) >= MIN_COUNT && (b.get(o) ?? 0) >= MIN_COUNT)
  const z = twoSidedZ(FAMILY_ALPHA / Math.max(1, outputs.length))
  let pass = outputs.length > 0
  let maxLoss = -Infinity
  let toleranceAtMax = 0
  let worst = ''
  for (const o of outputs) {
    const ca = a.get(o)!
    const cb = b.get(o)!
    const loss = Math.abs(Math.log(ca / cb))
    const tolerance = z * Math.sqrt(1 / ca - 1 / samples + 1 / cb - 1 / samples)
    if (loss > epsilon + tolerance) pass = false
    if (loss > maxLoss) {
      maxLoss = loss
      toleranceAtMax = tolerance
      worst = o
    }
  }
  return { pass, maxLoss, toleranceAtMax, compared: outputs.length, worst }
}

function describe(r: Audit, epsilon: number): string {
  return `max loss ${r.maxLoss.toFixed(4)} at output ${r.worst} vs ε=${epsilon} + ${r.toleranceAtMax.toFixed(4)} (${r.compared} outputs)`
}

/**
 * Randomized response on SAMPLES records of `cells` cells each (cells divides 32), every record
 * holding `pattern`; returns the histogram of the noisy records.
 */
function rrHistogram(cells: number, pattern: number, epsilonMicro: number, delta: number, noise: NoiseSource): Map<string, number> {
  const perWord = 32 / cells
  const words = new Uint32Array(SAMPLES / perWord)
  let fill = 0
  for (let k = 0; k < perWord; k++) fill = (fill << cells) | pattern
  words.fill(fill >>> 0)
  randomizedResponse(words, 0, SAMPLES * cells, flipProbability(epsilonMicro, delta), noise)
  const counts = new Array<number>(1 << cells).fill(0)
  const mask = (1 << cells) - 1
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    for (let k = 0; k < perWord; k++) counts[(w >>> (k * cells)) & mask]++
  }
  const hist = new Map<string, number>()
  counts.forEach((c, o) => hist.set(o.toString(2).padStart(cells, '0'), c))
  return hist
}

function geometricHistogram(
  distance: number,
  epsilonMicro: number,
  unitBits: number,
  noise: NoiseSource,
  samples = SAMPLES,
): Map<string, number> {
  const n = 1000
  const out = geometricRelease(noise, new Int32Array(samples).fill(distance), epsilonMicro, unitBits, n, 0.95)
  // The whole released triple is the output; encode it as one number (all parts are in [0, n]).
  const counts = new Map<number, number>()
  for (const r of out) {
    const key = (r.estimate * (n + 1) + r.ciLow) * (n + 1) + r.ciHigh
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const hist = new Map<string, number>()
  for (const [key, c] of counts) {
    const ciHigh = key % (n + 1)
    const ciLow = Math.floor(key / (n + 1)) % (n + 1)
    const estimate = Math.floor(key / (n + 1) ** 2)
    hist.set(`${estimate}[${ciLow},${ciHigh}]`, c)
  }
  return hist
}

t.test('randomized response, one bit (Δ = 1): loss ≤ ε; ε doubled fails', async (t) => {
  const eps = 1_000_000
  const good = audit(
    rrHistogram(1, 0, eps, 1, new SeededNoiseSource('rr1-a')),
    rrHistogram(1, 1, eps, 1, new SeededNoiseSource('rr1-b')),
    1,
  )
  t.ok(good.pass, describe(good, 1))
  t.ok(good.maxLoss > 1 - 3 * good.toleranceAtMax, 'the audit sees the real loss (close to ε), not a diluted one')
  // Broken: the cell is flipped as if the release had 2ε (half the noise it needs).
  const broken = audit(
    rrHistogram(1, 0, 2 * eps, 1, new SeededNoiseSource('rr1-c')),
    rrHistogram(1, 1, 2 * eps, 1, new SeededNoiseSource('rr1-d')),
    1,
  )
  t.notOk(broken.pass, `broken mechanism is caught: ${describe(broken, 1)}`)
})

t.test('randomized response, t = 4 bits (Δ = 4): loss ≤ ε; Δ halved fails', async (t) => {
  const eps = 1_000_000
  // A protected change toggles all 4 cells of a record: 0000 vs 1111.
  const good = audit(
    rrHistogram(4, 0b0000, eps, 4, new SeededNoiseSource('rr4-a')),
    rrHistogram(4, 0b1111, eps, 4, new SeededNoiseSource('rr4-b')),
    1,
  )
  t.ok(good.pass, describe(good, 1))
  t.ok(good.maxLoss > 1 - 3 * good.toleranceAtMax, 'the audit sees the real loss (close to ε)')
  const broken = audit(
    rrHistogram(4, 0b0000, eps, 2, new SeededNoiseSource('rr4-c')),
    rrHistogram(4, 0b1111, eps, 2, new SeededNoiseSource('rr4-d')),
    1,
  )
  t.notOk(broken.pass, `broken mechanism (Δ = 2 used for 4 toggled cells) is caught: ${describe(broken, 1)}`)
})

for (const unitBits of [1, 3]) {
  t.test(`geometric mechanism, unitBits = ${unitBits} (distances 20 vs ${20 + unitBits}): loss ≤ ε; ε doubled fails`, async (t) => {
    const eps = 1_000_000
    const good = audit(
      geometricHistogram(20, eps, unitBits, new SeededNoiseSource(`geo${unitBits}-a`)),
      geometricHistogram(20 + unitBits, eps, unitBits, new SeededNoiseSource(`geo${unitBits}-b`)),
      1,
    )
    t.ok(good.pass, describe(good, 1))
    t.ok(good.maxLoss > 1 - 3 * good.toleranceAtMax, 'the audit sees the real loss (close to ε)')
    const broken = audit(
      geometricHistogram(20, 2 * eps, unitBits, new SeededNoiseSource(`geo${unitBits}-c`), BROKEN_SAMPLES),
      geometricHistogram(20 + unitBits, 2 * eps, unitBits, new SeededNoiseSource(`geo${unitBits}-d`), BROKEN_SAMPLES),
      1,
      BROKEN_SAMPLES,
    )
    t.notOk(broken.pass, `broken mechanism is caught: ${describe(broken, 1)}`)
  })
}

/** Histogram of the released popcount of one record whose exact popcount is `count`. */
function popcountHistogram(count: number, epsilonMicro: number, unitBits: number, noise: NoiseSource, samples = SAMPLES): Map<string, number> {
  const out = noisyCounts(noise, new Int32Array(samples).fill(count), epsilonMicro, unitBits)
  const hist = new Map<string, number>()
  for (const v of out) hist.set(String(v), (hist.get(String(v)) ?? 0) + 1)
  return hist
}

for (const unitBits of [1, 4]) {
  t.test(`popcount release, unitBits = ${unitBits} (popcounts 500 vs ${500 + unitBits}): loss ≤ ε; half the noise fails`, async (t) => {
    const eps = 1_000_000
    const good = audit(
      popcountHistogram(500, eps, unitBits, new SeededNoiseSource(`pop${unitBits}-a`)),
      popcountHistogram(500 + unitBits, eps, unitBits, new SeededNoiseSource(`pop${unitBits}-b`)),
      1,
    )
    t.ok(good.pass, describe(good, 1))
    t.ok(good.maxLoss > 1 - 3 * good.toleranceAtMax, 'the audit sees the real loss (close to ε)')
    // Broken: noise for 2ε (half the scale a change of unitBits bits needs).
    const broken = audit(
      popcountHistogram(500, 2 * eps, unitBits, new SeededNoiseSource(`pop${unitBits}-c`), BROKEN_SAMPLES),
      popcountHistogram(500 + unitBits, 2 * eps, unitBits, new SeededNoiseSource(`pop${unitBits}-d`), BROKEN_SAMPLES),
      1,
      BROKEN_SAMPLES,
    )
    t.notOk(broken.pass, `broken release is caught: ${describe(broken, 1)}`)
  })
}
