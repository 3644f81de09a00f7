import t from 'tap'
import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { popcount32, wordsFor, xorPopcount } from '../../../sketch/bits.js'
import { cellTable, sketchSetBits } from '../../../sketch/hash-tables.js'
import type { Estimate, Plan } from '../../../sketch/mechanisms/mechanism.js'
import { getMechanism, mechanisms } from '../../../sketch/mechanisms/index.js'
import { parity, parityCellTable, parityCleanSketch, parityRawEstimate } from '../../../sketch/mechanisms/parity.js'
import { XorCountChain, collisionInversionTable, paritySaturation } from '../../../sketch/stats/parity-model.js'
import { flipProbability } from '../../../privacy/randomized-response.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { plantedRecords } from '../../support/planted-hamming.js'

const CONF95 = { confidence: 0.95, simultaneousM: null }

function planFor(n: number, k: number, eps: number, options: Record<string, unknown> = {}, seed = 'test-seed', unitBits = 1): Plan {
  return parity.plan({ n, k, epsilonMicro: Math.round(eps * 1e6), unitBits, options }, seed)
}


t.test('registry', async (t) => {
  t.equal(getMechanism('parity'), parity)
  t.equal(mechanisms.parity, parity)
  t.throws(() => getMechanism('no-such-mechanism'), RangeError)
})

t.test('cellTable: deterministic, per label, uniform in range', async (t) => {
  const a = cellTable('seed-1', 'x', 5000, 100)
  const agree = (b: ArrayLike<number>) => {
    let same = 0
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++
    return same
  }
  t.equal(agree(cellTable('seed-1', 'x', 5000, 100)), 5000, 'same seed and label → same table')
  // Independent tables agree in about 1 % of the 5000 positions.
  t.ok(agree(cellTable('seed-1', 'y', 5000, 100)) < 100, 'other label → other table')
  t.ok(agree(cellTable('seed-2', 'x', 5000, 100)) < 100, 'other seed → other table')
  t.ok(a.every((v) => v < 100))
  t.ok(cellTable('s', 'l', 10, 70_000) instanceof Uint32Array)
  // χ² uniformity over 64 cells from 64 000 draws: 63 degrees of freedom, the 0.1 % critical value is ≈ 104.
  const big = cellTable('uniform', 'check', 64_000, 64)
  const counts = new Array(64).fill(0)
  for (const v of big) counts[v]++
  const chi2 = counts.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0)
  t.ok(chi2 < 104, `χ² = ${chi2.toFixed(1)}`)
  t.throws(() => cellTable('', 'x', 1, 2), RangeError)
})

t.test('sketchSetBits matches a bit-by-bit reference and ignores padding', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (n, L, salt) => {
      const M = 64
      const table = parityCellTable(`ref-${salt}`, n, M, L)
      const rng = seedrandom.alea(`rec-${salt}`)
      const nWords = wordsFor(n)
      const record = new Uint32Array(nWords + 1)
      for (let w = 0; w < record.length; w++) record[w] = rng.int32() // padding bits deliberately set
      const out = new Uint32Array((L * M) / 32 + 2)
      sketchSetBits(record, 1, n, table, L, out, 1)
      const want = new Uint32Array(out.length)
      for (let i = 0; i < n; i++) {
        if (((record[1 + (i >>> 5)] >>> (31 - (i & 31))) & 1) === 0) continue
        for (let r = 0; r < L; r++) {
          const c = table[i * L + r]
          want[1 + (c >>> 5)] ^= 0x80000000 >>> (c & 31)
        }
      }
      return out.every((v, i) => v === want[i])
    }),
    { numRuns: 60 },
  )
  t.pass('same cells as the reference loop')
})

t.test('plan: parameters, Δ and validation', async (t) => {
  const plan = planFor(4096, 64, 2)
  t.equal(plan.mechanism, 'parity')
  t.equal(plan.params.cells, 256)
  t.equal(plan.params.repetitions, 1)
  t.equal(plan.delta, 1)
  t.equal(plan.wordsPerRecord, 8)
  t.equal(plan.params.hashSeed, 'test-seed')
  t.ok(plan.reliable)
  t.same(JSON.parse(JSON.stringify(plan)), plan, 'plan is JSON-serialisable')
  const pinned = planFor(4096, 64, 5, { cells: 512, repetitions: 3 }, 's', 2)
  t.equal(pinned.delta, 6, 'Δ = L·unitBits')
  t.equal(pinned.wordsPerRecord, 48)
  t.throws(() => planFor(4096, 64, 2, { bogus: 1 }), RangeError)
  t.throws(() => planFor(4096, 64, 2, { cells: 100 }), RangeError)
  t.throws(() => planFor(4096, 64, 2, { repetitions: 0 }), RangeError)
  t.throws(() => planFor(4096, 64, 2, { cells: 65536 }), RangeError, 'over the default 4096-byte cap')
  t.throws(() => planFor(64, 65, 2), RangeError, 'k > n')
  t.throws(() => parity.plan({ n: 64, k: 8, epsilonMicro: 1e6, unitBits: 1, options: {} }, ''), RangeError)
  t.equal(planFor(4096, 64, 0.05).reliable, false, 'at ε = 0.05 the sd exceeds k')
})

t.test('privacy: t changed bits change at most Δ = L·t clean cells, and ε̃ ≤ ε', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 20_000_000 }),
      fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
      (seed, n, L, tBits, epsMicro, rawPositions) => {
        const unitBits = Math.min(tBits, n)
        const k = Math.max(1, Math.min(n, 16))
        const plan = parity.plan({ n, k, epsilonMicro: epsMicro, unitBits, options: { repetitions: L } }, seed)
        const nWords = wordsFor(n)
        const rng = seedrandom.alea(`${seed}/${n}`)
        const a = new Uint32Array(nWords)
        for (let w = 0; w < nWords; w++) a[w] = rng.int32()
        if (n & 31) a[nWords - 1] &= 0xffffffff << (32 - (n & 31))
        const b = a.slice()
        const positions = new Set(rawPositions.slice(0, unitBits).map((p) => p % n))
        for (const i of positions) b[i >>> 5] ^= 0x80000000 >>> (i & 31)
        const sa = new Uint32Array(plan.wordsPerRecord)
        const sb = new Uint32Array(plan.wordsPerRecord)
        parityCleanSketch(plan, a, 0, sa, 0)
        parityCleanSketch(plan, b, 0, sb, 0)
        const changed = xorPopcount(sa, 0, sb, 0, plan.wordsPerRecord)
        if (plan.delta !== L * unitBits || changed > plan.delta) return false
        const flip = flipProbability(plan.epsilonMicro, plan.delta)
        const realised = plan.delta * Math.log((1 - flip.pTilde) / flip.pTilde)
        return realised <= plan.epsilonMicro / 1e6
      },
    ),
    { numRuns: 200 },
  )
  t.pass('Δ bound and realised ε hold for every sampled seed, n, L, t and positions')
})

t.test('builder: clean sketch XOR independent flips with probability p̃, at the given offset', async (t) => {
  const n = 1000
  const plan = planFor(n, 16, 3, { cells: 128, repetitions: 2 })
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const build = parity.builder(plan, flip, new SeededNoiseSource('builder'))
  const { records } = plantedRecords(n, new Array(300).fill(40), 'builder-data')
  const W = plan.wordsPerRecord
  const out = new Uint32Array(300 * W + 2).fill(0xdeadbeef)
  const clean = new Uint32Array(W)
  let flips = 0
  for (let r = 0; r < 300; r++) build(records, r * wordsFor(n), out, 1 + r * W)
  t.equal(out[0], 0xdeadbeef, 'word before the output untouched')
  t.equal(out[out.length - 1], 0xdeadbeef, 'word after the output untouched')
  for (let r = 0; r < 300; r++) {
    parityCleanSketch(plan, records, r * wordsFor(n), clean, 0)
    for (let w = 0; w < W; w++) flips += popcount32(out[1 + r * W + w] ^ clean[w])
  }
  const cells = 300 * 256
  const expected = cells * flip.pTilde
  const se = Math.sqrt(cells * flip.pTilde * (1 - flip.pTilde))
  t.ok(Math.abs(flips - expected) < 4 * se, `flips ${flips} vs ${expected.toFixed(1)} ± ${se.toFixed(1)}`)
  t.throws(() => parity.builder(plan, flipProbability(plan.epsilonMicro, plan.delta + 1), new SeededNoiseSource('x')), RangeError)
})

interface RunResult {
  errors: Float64Array
  covered: number
  estimates: Estimate[]
  distances: Int32Array
  predictedMeanError: number
}

/**
 * m records at distances spread evenly over 0..k, split over several public hash seeds; one query per
 * seed. Also returns the exact-model expected error of the point estimate (L = 1 only).
 */
function runAccuracy(n: number, k: number, eps: number, m: number, seeds: string[], options: Record<string, unknown> = {}): RunResult {
  const errors = new Float64Array(m)
  const distances = new Int32Array(m)
  const estimates: Estimate[] = []
  let covered = 0
  let predictedSum = 0
  let r = 0
  const perSeed = Math.ceil(m / seeds.length)
  for (const seed of seeds) {
    const count = Math.min(perSeed, m - r)
    const plan = planFor(n, k, eps, options, `acc/${seed}`)
    const flip = flipProbability(plan.epsilonMicro, plan.delta)
    const build = parity.builder(plan, flip, new SeededNoiseSource(`acc-noise/${seed}/${eps}`))
    const d = Int32Array.from({ length: count }, (_, i) => (r + i) % (k + 1))
    const { query, records } = plantedRecords(n, d, `acc-data/${seed}/${eps}`)
    const W = plan.wordsPerRecord
    const out = new Uint32Array(count * W)
    for (let i = 0; i < count; i++) build(records, i * wordsFor(n), out, i * W)
    const estimate = parity.prepareQuery(plan, flip.pTilde, parity.calibrate(plan, flip.pTilde), query, CONF95)
    const exact = plan.params.repetitions === 1 ? exactMeanEstimate(plan, flip.pTilde, k) : null
    for (let i = 0; i < count; i++, r++) {
      const e = estimate(out, i * W)
      estimates.push(e)
      distances[r] = d[i]
      errors[r] = e.estimate - d[i]
      if (e.ciLow <= d[i] && d[i] <= e.ciHigh) covered++
      if (exact) predictedSum += exact[d[i]] - d[i]
    }
  }
  return { errors, covered, estimates, distances, predictedMeanError: predictedSum / m }
}

/** E[estimate | T] for T = 0..k under the exact model, for L = 1 (the estimate is a function of C). */
function exactMeanEstimate(plan: Plan, pTilde: number, k: number): Float64Array {
  const M = plan.params.cells as number
  const { tCap, sSat } = paritySaturation(M, 1, pTilde)
  const inv = collisionInversionTable(M, pTilde)
  const est = Float64Array.from(inv, (v, c) => (c >= sSat ? Math.min(tCap, plan.n) : Math.min(Math.max(v, 0), plan.n)))
  const chain = new XorCountChain(M, pTilde)
  const out = new Float64Array(k + 1)
  for (let T = 0; T <= k; T++) {
    if (T > 0) chain.step()
    out[T] = chain.moments(est).mean
  }
  return out
}

function meanSd(x: Float64Array): { mean: number; sd: number } {
  let s = 0
  for (const v of x) s += v
  const mean = s / x.length
  let s2 = 0
  for (const v of x) s2 += (v - mean) ** 2
  return { mean, sd: Math.sqrt(s2 / (x.length - 1)) }
}

t.test('accuracy on planted distances (n = 4096, k = 64, m = 2000, four hash seeds)', async (t) => {
  const n = 4096
  const k = 64
  const m = 2000
  for (const eps of [1, 2, 5, 10]) {
    const run = runAccuracy(n, k, eps, m, ['s1', 's2', 's3', 's4'])
    const { mean, sd } = meanSd(run.errors)
    const coverage = run.covered / m
    const mae = run.errors.reduce((s, v) => s + Math.abs(v), 0) / m
    t.comment(
      `parity ε=${eps}: mean error ${mean.toFixed(3)} (${(mean / sd).toFixed(3)} sd; exact model ${run.predictedMeanError.toFixed(3)}), ` +
        `sd ${sd.toFixed(3)}, MAE ${mae.toFixed(3)}, 95 % coverage ${(100 * coverage).toFixed(2)} %`,
    )
    const bands: string[] = []
    for (let lo = 0; lo <= k; lo += 16) {
      const hi = Math.min(k, lo + 15)
      const sel = run.errors.filter((_, i) => run.distances[i] >= lo && run.distances[i] <= hi)
      const b = meanSd(sel)
      bands.push(`d ${lo}–${hi}: ${b.mean.toFixed(2)} ± ${b.sd.toFixed(2)}`)
    }
    t.comment(`  error by distance band: ${bands.join('; ')}`)
    // Requirement: mean error within 0.1 sd of 0 over d ≤ k (standard error of the mean ≈ 0.022 sd).
    t.ok(Math.abs(mean) <= 0.1 * sd, `ε=${eps}: |mean error| ≤ 0.1 sd`)
    // The exact model predicts the estimator's bias (clip at 0, saturation at M/4): agree within 4 SE.
    t.ok(Math.abs(mean - run.predictedMeanError) <= (4 * sd) / Math.sqrt(m), `ε=${eps}: mean error matches the exact model`)
    // Requirement: coverage of the 95 % intervals in [93 %, 97 %] (binomial SE ≈ 0.5 points).
    t.ok(coverage >= 0.93 && coverage <= 0.97, `ε=${eps}: coverage ${(100 * coverage).toFixed(2)} %`)
    t.ok(run.estimates.every((e) => e.estimate >= 0 && e.estimate <= n && e.ciLow <= e.ciHigh && e.ciLow >= 0 && e.ciHigh <= n))
  }
})

t.test('repetitions L > 1: coverage, and bias as the exact model predicts (pinned M = 512, L = 3)', async (t) => {
  const n = 4096
  const k = 64
  const m = 1500
  const options = { cells: 512, repetitions: 3 }
  const run = runAccuracy(n, k, 5, m, ['r1', 'r2', 'r3'], options)
  const { mean, sd } = meanSd(run.errors)
  const coverage = run.covered / m
  t.comment(`parity ε=5 M=512 L=3: mean error ${mean.toFixed(3)} (${(mean / sd).toFixed(3)} sd), coverage ${(100 * coverage).toFixed(2)} %`)
  t.ok(coverage >= 0.93 && coverage <= 0.97, 'coverage within [93 %, 97 %] (SE ≈ 0.56 points)')

  // The unclipped estimate is the mean of L identically distributed per-repetition inversions, so its
  // expectation is E[T̂_r | d] from the exact per-repetition law of C (Ehrenfest chain).
  const plan = planFor(n, k, 5, options, 'raw')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const M = 512
  const Wr = M / 32
  const inv = collisionInversionTable(M, flip.pTilde)
  const chain = new XorCountChain(M, flip.pTilde)
  const expected = new Float64Array(k + 1)
  for (let T = 0; T <= k; T++) {
    if (T > 0) chain.step()
    expected[T] = chain.moments(inv).mean
  }
  const d = Int32Array.from({ length: m }, (_, i) => i % (k + 1))
  const { query, records } = plantedRecords(n, d, 'raw-data')
  const build = parity.builder(plan, flip, new SeededNoiseSource('raw-noise'))
  const out = new Uint32Array(plan.wordsPerRecord)
  const q = new Uint32Array(plan.wordsPerRecord)
  parityCleanSketch(plan, query, 0, q, 0)
  const rawErrors = new Float64Array(m)
  let predicted = 0
  for (let i = 0; i < m; i++) {
    build(records, i * wordsFor(n), out, 0)
    const counts = [0, 1, 2].map((r) => xorPopcount(out, r * Wr, q, r * Wr, Wr))
    rawErrors[i] = parityRawEstimate(counts, M, flip.pTilde) - d[i]
    predicted += (expected[d[i]] - d[i]) / m
  }
  const raw = meanSd(rawErrors)
  t.comment(`  unclipped mean error ${raw.mean.toFixed(3)} vs exact model ${predicted.toFixed(3)}`)
  t.ok(Math.abs(raw.mean - predicted) <= (4 * raw.sd) / Math.sqrt(m), 'mean error matches the exact model within 4 SE')
})

t.test('saturation, simultaneous intervals and calibration reuse', async (t) => {
  const n = 4096
  const k = 64
  const plan = planFor(n, k, 5)
  const M = plan.params.cells as number
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const build = parity.builder(plan, flip, new SeededNoiseSource('sat'))
  const distances = [0, 10, 64, M / 4 + 200, 2000, 2048]
  const { query, records } = plantedRecords(n, distances, 'sat-data')
  const W = plan.wordsPerRecord
  const out = new Uint32Array(distances.length * W)
  distances.forEach((_, i) => build(records, i * wordsFor(n), out, i * W))
  const calibration = parity.calibrate(plan, flip.pTilde)
  t.same(JSON.parse(JSON.stringify(calibration)), calibration, 'calibration is JSON-serialisable')
  const est = parity.prepareQuery(plan, flip.pTilde, calibration, query, CONF95)
  const fresh = parity.prepareQuery(plan, flip.pTilde, {}, query, CONF95)
  const joint = parity.prepareQuery(plan, flip.pTilde, calibration, query, { confidence: 0.95, simultaneousM: 1_000_000 })
  distances.forEach((d, i) => {
    const e = est(out, i * W)
    t.same(fresh(out, i * W), e, `d=${d}: an empty calibration recomputes the same belt`)
    const j = joint(out, i * W)
    t.ok(j.ciLow <= e.ciLow && j.ciHigh >= e.ciHigh, `d=${d}: simultaneous interval contains the 95 % one`)
    if (d > M / 4 + 100) {
      t.equal(e.status, 'saturated', `d=${d} saturates`)
      t.equal(e.estimate, M / 4, 'estimate = cap')
      t.equal(e.ciHigh, n, 'upper end open')
      t.ok(e.ciLow <= M / 4 && e.ciLow <= d, 'lower end is a valid lower bound')
    } else {
      t.equal(e.status, 'ok')
    }
  })
  t.throws(() => parity.prepareQuery(plan, flip.pTilde, calibration, new Uint32Array(3), CONF95), RangeError)
  t.throws(() => parity.prepareQuery(plan, flip.pTilde / 2, calibration, query, CONF95), RangeError, 'calibration for another p̃')
})

t.test('simultaneous intervals hold jointly on 2000 records', async (t) => {
  const n = 4096
  const k = 64
  const plan = planFor(n, k, 2)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const m = 2000
  const build = parity.builder(plan, flip, new SeededNoiseSource('joint'))
  const d = Int32Array.from({ length: m }, (_, i) => i % (k + 1))
  const { query, records } = plantedRecords(n, d, 'joint-data')
  const W = plan.wordsPerRecord
  const out = new Uint32Array(m * W)
  for (let i = 0; i < m; i++) build(records, i * wordsFor(n), out, i * W)
  const est = parity.prepareQuery(plan, flip.pTilde, parity.calibrate(plan, flip.pTilde), query, { confidence: 0.95, simultaneousM: m })
  let misses = 0
  for (let i = 0; i < m; i++) {
    const e = est(out, i * W)
    if (d[i] < e.ciLow || d[i] > e.ciHigh) misses++
  }
  // Bonferroni: P(any miss) ≤ 5 %, so two or more misses would be a ≤ 0.2 % event.
  t.ok(misses <= 1, `${misses} of ${m} records outside their simultaneous intervals`)
})
