import t from 'tap'
import fc from 'fast-check'
import {
  NormalBelt,
  intervalAlpha,
  intervalZ,
  inverseNormalCdf,
  invertIntegerBelt,
  midPAcceptance,
} from '../../../sketch/stats/intervals.js'

// Φ⁻¹(p) to 19 digits, computed independently with 60-digit arithmetic (bisection on erfc).
const QUANTILES: Array<[number, number]> = [
  [0.975, 1.9599639845400543],
  [0.995, 2.575829303548901],
  [0.999, 3.0902323061678136],
  [0.05, -1.6448536269514726],
  [0.6, 0.2533471031357998],
  [0.3, -0.5244005127080408],
  [0.02425, -1.972961051311885],
  [1e-5, -4.264890793922825],
  [2.5e-8, -5.451310437845478],
  [1e-10, -6.361340902404057],
  [1e-300, -37.0470962993612],
  [0.9999999, 5.1993375821928165],
]

t.test('inverseNormalCdf matches high-precision quantiles', async (t) => {
  t.equal(inverseNormalCdf(0.5), 0)
  for (const [p, q] of QUANTILES) {
    // 1e-14 relative in the body; the last entry also carries the rounding of 0.9999999 to a double.
    const tol = p > 0.999 ? 1e-9 : 1e-14
    t.ok(Math.abs(inverseNormalCdf(p) - q) <= tol * Math.abs(q), `Φ⁻¹(${p}) = ${inverseNormalCdf(p)} vs ${q}`)
  }
  t.equal(inverseNormalCdf(0), -Infinity)
  t.equal(inverseNormalCdf(1), Infinity)
  t.throws(() => inverseNormalCdf(-0.1), RangeError)
  t.throws(() => inverseNormalCdf(Number.NaN), RangeError)
})

t.test('inverseNormalCdf is odd around 1/2 and increasing', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 1e-12, max: 0.5, noNaN: true }), fc.double({ min: 1e-12, max: 0.5, noNaN: true }), (p, r) => {
      // q = 1 − p is rounded, but 1 − q is exact (Sterbenz), so compare q with its exact complement.
      const q = 1 - p
      const a = inverseNormalCdf(1 - q)
      const b = inverseNormalCdf(q)
      if (Math.abs(a + b) > 1e-12 * Math.max(1, Math.abs(a))) return false
      const x = inverseNormalCdf(p)
      const y = inverseNormalCdf(r)
      return p < r ? x <= y : p > r ? x >= y : x === y
    }),
  )
  t.pass('symmetric and monotone on (0, 1/2]')
})

t.test('interval levels and Bonferroni', async (t) => {
  t.equal(intervalAlpha({ confidence: 0.95, simultaneousM: null }), 1 - 0.95)
  t.equal(intervalAlpha({ confidence: 0.95, simultaneousM: 1000 }), (1 - 0.95) / 1000)
  t.ok(Math.abs(intervalZ({ confidence: 0.95, simultaneousM: null }) - 1.959963984540054) < 1e-12)
  // m = 10^6 at 95 %: z = Φ⁻¹(1 − 0.05/(2·10^6)) = −Φ⁻¹(2.5e-8).
  t.ok(Math.abs(intervalZ({ confidence: 0.95, simultaneousM: 1_000_000 }) - 5.451310437845478) < 1e-9)
  t.throws(() => intervalAlpha({ confidence: 1, simultaneousM: null }), RangeError)
  t.throws(() => intervalAlpha({ confidence: 0.95, simultaneousM: 0 }), RangeError)
})

/** Mid-p acceptance by the definition, value by value. */
function midPAcceptedByDefinition(pmf: number[], halfAlpha: number): number[] {
  const out: number[] = []
  const total = pmf.reduce((a, b) => a + b, 0)
  let below = 0
  for (let i = 0; i < pmf.length; i++) {
    const above = total - below - pmf[i]
    if (below + pmf[i] / 2 >= halfAlpha && above + pmf[i] / 2 >= halfAlpha) out.push(i)
    below += pmf[i]
  }
  return out
}

t.test('midPAcceptance is the mid-p central region', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.double({ min: 1e-6, max: 0.4, noNaN: true }),
      fc.integer({ min: -5, max: 50 }),
      (weights, alpha, first) => {
        const total = weights.reduce((a, b) => a + b, 0)
        if (total <= 0) return true
        const pmf = weights.map((w) => w / total)
        const [lo, hi] = midPAcceptance(Float64Array.from(pmf), 0, pmf.length, first, alpha / 2)
        const accepted = midPAcceptedByDefinition(pmf, alpha / 2)
        // The accepted set is an interval; values with zero mass inside it are harmless.
        return accepted.length > 0 && lo === first + accepted[0] && hi === first + accepted[accepted.length - 1]
      },
    ),
  )
  t.pass('matches the definition on random pmfs')
})

t.test('invertIntegerBelt agrees with brute force on monotone belts', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 10 }),
      (steps, start) => {
        // Regions that move up with T (as the sketches' do), possibly with gaps between them.
        const lo: number[] = []
        const hi: number[] = []
        let a = start
        for (const [jump, width] of steps) {
          a += jump
          lo.push(a)
          hi.push(a + width)
        }
        const G = lo.length - 1
        const sMax = hi[G] + 5
        const n = G + 3
        const inv = invertIntegerBelt(lo, hi, sMax, n)
        for (let s = 0; s <= sMax; s++) {
          const accepted: number[] = []
          for (let T = 0; T <= G; T++) if (lo[T] <= s && s <= hi[T]) accepted.push(T)
          if (accepted.length > 0) {
            const open = accepted[accepted.length - 1] === G
            if (inv.low[s] !== accepted[0]) return false
            if (inv.high[s] !== (open ? n : accepted[accepted.length - 1])) return false
            if ((inv.openEnded[s] === 1) !== open) return false
          } else if (s < lo[0]) {
            if (inv.low[s] !== 0 || inv.high[s] !== 0) return false
          } else if (s > hi[G]) {
            if (inv.low[s] !== G || inv.high[s] !== n || inv.openEnded[s] !== 1) return false
          } else {
            // A gap: bracketed by the last region below and the first region above.
            let below = -1
            for (let T = 0; T <= G; T++) if (hi[T] < s) below = T
            let above = -1
            for (let T = G; T >= 0; T--) if (lo[T] > s) above = T
            if (inv.low[s] !== Math.min(below, above) || inv.high[s] !== Math.max(below, above)) return false
          }
        }
        return true
      },
    ),
  )
  t.pass('low/high/openEnded as defined')
})

t.test('NormalBelt.interval agrees with a scan over the grid', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true })), {
        minLength: 1,
        maxLength: 60,
      }),
      fc.double({ min: 0.5, max: 4, noNaN: true }),
      fc.double({ min: -20, max: 200, noNaN: true }),
      (rows, z, s) => {
        const mean: number[] = []
        const sd: number[] = []
        let mu = -2
        for (const [step, sigma] of rows) {
          mu += step
          mean.push(mu)
          sd.push(sigma + 0.1)
        }
        const G = mean.length - 1
        const n = G + 10
        const belt = new NormalBelt(mean, sd, z, n)
        const accepted: number[] = []
        for (let T = 0; T <= G; T++) if (Math.abs(s - mean[T]) <= z * sd[T]) accepted.push(T)
        const ci = belt.interval(s)
        if (accepted.length === 0) {
          // Below everything → [0, 0]; above everything → open from G; in a gap → bracketed.
          if (s < mean[0] - z * sd[0] && ci.high === 0) return true
          if (ci.openEnded) return ci.high === n && s > mean[G] + z * sd[G]
          return ci.low <= ci.high
        }
        const open = accepted[accepted.length - 1] === G
        return ci.low === accepted[0] && ci.high === (open ? n : accepted[accepted.length - 1]) && ci.openEnded === open
      },
    ),
  )
  t.pass('hull of the accepted grid points')
})

t.test('normal belt coverage for a Gaussian statistic is nominal', async (t) => {
  // s ~ N(T, σ(T)) with σ growing in T, sampled by inverting Φ on a fixed quasi-random grid of
  // probabilities: the exact coverage of the inversion is then the grid fraction in the central 95 %.
  const G = 200
  const mean = Array.from({ length: G + 1 }, (_, T) => T)
  const sd = mean.map((T) => 3 + 0.05 * T)
  const belt = new NormalBelt(mean, sd, intervalZ({ confidence: 0.95, simultaneousM: null }), 1000)
  let covered = 0
  let total = 0
  for (let T = 0; T <= 150; T += 5) {
    for (let i = 0; i < 2000; i++) {
      const u = (i + 0.5) / 2000
      const s = mean[T] + sd[T] * inverseNormalCdf(u)
      const ci = belt.interval(s)
      if (ci.low <= T && T <= ci.high) covered++
      total++
    }
  }
  t.ok(Math.abs(covered / total - 0.95) < 0.002, `coverage ${(covered / total).toFixed(4)}`)
})
