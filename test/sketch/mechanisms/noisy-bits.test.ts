import t from 'tap'
import fc from 'fast-check'
import { popcount32, wordsFor } from '../../../sketch/bits.js'
import { beltMass, prepareBelt, readBelt } from '../../../sketch/stats/edit-calibration.js'
import { binomialUpperBound, noisyBits, noisyBitsBand, noisyBitsCleanSketch } from '../../../sketch/mechanisms/noisy-bits.js'
import { flipProbability } from '../../../privacy/randomized-response.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { accuracyRun } from '../../support/edit-accuracy.js'
import { dataRng, randomString, withPlantedEdits } from '../../support/planted-edits.js'

const N = 4096
const K = 32
/** Near records per ε: the standard error of a 95 % coverage is then √(0.95·0.05/3000) ≈ 0.004. */
const NEAR = 3000
const UNRELATED = 40

t.test('plan: Δ = unitBits, n bits per record, band, validation', async (t) => {
  const plan = noisyBits.plan({ n: N, k: K, epsilonMicro: 8_000_000, unitBits: 3, options: {} }, 'unused')
  t.equal(plan.delta, 3)
  t.equal(plan.wordsPerRecord, wordsFor(N))
  t.equal(plan.reliable, true)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  t.equal(plan.params.band, noisyBitsBand(N, K, flip.pTilde))
  t.equal(noisyBitsBand(N, K, flip.pTilde), K + Math.ceil(N * flip.pTilde + 4 * Math.sqrt(N * flip.pTilde)) + 5)
  t.ok(Math.abs(plan.predictedSd.atK - Math.sqrt(N * flip.pTilde * (1 - flip.pTilde))) < 1e-12, 'sd of Bin(n, p̃)')
  t.throws(() => noisyBits.plan({ n: N, k: K, epsilonMicro: 1, unitBits: 1, options: { W: 64 } }, 's'), RangeError)
  t.throws(() => noisyBits.plan({ n: 10, k: 11, epsilonMicro: 1, unitBits: 1, options: {} }, 's'), RangeError)
  t.throws(() => noisyBits.plan({ n: 10, k: 2, epsilonMicro: 0, unitBits: 1, options: {} }, 's'), RangeError)
  t.throws(() => noisyBits.plan({ n: 10, k: 2, epsilonMicro: 5, unitBits: 0, options: {} }, 's'), RangeError)
  const other = flipProbability(plan.epsilonMicro, 1)
  t.throws(() => noisyBits.builder(plan, other, new SeededNoiseSource(1)), RangeError, 'flip must match the plan')
})

t.test('privacy: t changed bits (unitBits = t) change at most Δ clean cells', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer(),
      fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      (n, tBits, seed, positions) => {
        const plan = noisyBits.plan({ n, k: 0, epsilonMicro: 1_000_000, unitBits: Math.min(tBits, n), options: {} }, 'x')
        const rng = dataRng(String(seed))
        const record = randomString(n, rng)
        const neighbour = record.slice()
        for (const p of positions.slice(0, tBits)) neighbour[(p % n) >>> 5] ^= 1 << (31 - ((p % n) & 31))
        const a = new Uint32Array(plan.wordsPerRecord)
        const b = new Uint32Array(plan.wordsPerRecord)
        noisyBitsCleanSketch(n, record, 0, a, 0)
        noisyBitsCleanSketch(n, neighbour, 0, b, 0)
        let changed = 0
        for (let w = 0; w < a.length; w++) changed += popcount32(a[w] ^ b[w])
        return changed <= plan.delta
      },
    ),
    { numRuns: 500 },
  )
  t.pass('500 random records, positions and unitBits')
})

t.test('builder: the stored bits are the record with independent flips, padding zero', async (t) => {
  const n = 1000
  const plan = noisyBits.plan({ n, k: 10, epsilonMicro: 1_000_000, unitBits: 1, options: {} }, 'x')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const build = noisyBits.builder(plan, flip, new SeededNoiseSource('builder'))
  const rng = dataRng('builder-data')
  const m = 200
  let flips = 0
  let paddingSet = 0
  let outside = 0
  for (let r = 0; r < m; r++) {
    const record = randomString(n, rng)
    record[record.length - 1] |= 0xff // garbage in the padding must not leak into the sketch
    const out = new Uint32Array(plan.wordsPerRecord + 2)
    build(record, 0, out, 1)
    for (let w = 0; w < plan.wordsPerRecord; w++) {
      const clean = w === plan.wordsPerRecord - 1 ? record[w] & (-1 << (32 - (n & 31))) : record[w]
      flips += popcount32(out[1 + w] ^ clean)
    }
    paddingSet += popcount32(out[plan.wordsPerRecord] & ~(-1 << (32 - (n & 31))))
    outside |= out[0] | out[plan.wordsPerRecord + 1]
  }
  t.equal(outside, 0, 'nothing written outside the record')
  const cells = n * m
  const mean = cells * flip.pTilde
  const sd = Math.sqrt(cells * flip.pTilde * (1 - flip.pTilde))
  t.comment(`flips ${flips}, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`)
  t.ok(Math.abs(flips - mean) < 5 * sd, 'flip count within 5 sd of Bin(n·m, p̃)')
  t.equal(paddingSet, 0, 'padding bits stay zero')
})

t.test('binomialUpperBound is a valid Bernstein tail bound', async (t) => {
  // Exact Bin(200, 0.05) tail by summing the pmf.
  const n = 200
  const p = 0.05
  const pmf: number[] = [Math.pow(1 - p, n)]
  for (let x = 1; x <= n; x++) pmf.push((pmf[x - 1] * (n - x + 1) * p) / (x * (1 - p)))
  for (const tail of [0.1, 0.01, 1e-4, 1e-6]) {
    const h = binomialUpperBound(n, p, tail)
    const exceed = pmf.slice(h + 1).reduce((s, x) => s + x, 0)
    t.ok(exceed <= tail, `P[Bin > ${h}] = ${exceed.toExponential(2)} ≤ ${tail}`)
  }
})

for (const epsilon of [6, 8, 10]) {
  t.test(`accuracy at ε = ${epsilon} (n = ${N}, k = ${K}, true distances 0…${K})`, async (t) => {
    const run = accuracyRun(noisyBits, { n: N, k: K, epsilon, near: NEAR, unrelated: UNRELATED, seed: `nb-${epsilon}` })
    const tables = readBelt(run.calibration.belt)
    const np = N * run.pTilde
    const belt = prepareBelt(tables, K, N, 0.95, np)
    if (belt === null) throw new Error('table cannot resolve 95 %')
    const [region] = belt.regions
    // The simulated coverage of the randomized belt for these truths (exactly 95 % by construction).
    const predicted = beltMass(belt, run.truth)
    const perPattern = Math.min(...tables[0].map((x) => x.samples))
    const se = Math.sqrt(predicted * (1 - predicted) * (1 / NEAR + 1 / perPattern))
    t.comment(
      `noisy-bits ε=${epsilon}: n·p̃=${np.toFixed(3)}, mean error ${run.meanError.toFixed(3)}, sd ${run.sdError.toFixed(3)}, ` +
        `95 % coverage ${(100 * run.coverage).toFixed(2)} % (calibrated ${(100 * predicted).toFixed(2)} %; error region ` +
        `[${region.lo}, ${region.hi}], ends counted with probability ${region.pLo.toFixed(3)}, ${region.pHi.toFixed(3)}), ` +
        `calibration ${run.calibrateMs.toFixed(0)} ms`,
    )
    t.equal(tables.length, 1, 'one stratum')
    t.equal(tables[0].length, 2, 'a table per edit pattern')
    t.ok(Math.abs(predicted - 0.95) < 0.002, 'the belt has exact simulated mass 95 %')
    // Mean error: zero up to 4 standard errors plus the second-order bias the simulation shows.
    const calMean = run.calibration.meanError as number
    t.ok(Math.abs(run.meanError) <= (4 * run.sdError) / Math.sqrt(NEAR) + Math.abs(calMean), 'debiased estimate has no bias')
    // The error is the Bin(n, p̃) flip count minus its mean, up to edit interactions.
    t.ok(run.sdError <= Math.sqrt(np) * (1 + 4 / Math.sqrt(2 * NEAR)) + 0.1, 'sd at most that of Bin(n, p̃)')
    t.ok(Math.abs(run.coverage - predicted) <= 3 * se, 'coverage matches the calibrated mass within 3 SE')
    t.ok(run.coverage >= 0.93 && run.coverage <= 0.97, `coverage ${(100 * run.coverage).toFixed(2)} % in [93 %, 97 %]`)
    let outside = 0
    const unbiasedErrors = run.near.map((e, r) => (e.unbiased ?? Number.NaN) - run.truth[r])
    const ubMean = unbiasedErrors.reduce((a, x) => a + x, 0) / unbiasedErrors.length
    const ubSd = Math.sqrt(unbiasedErrors.reduce((a, x) => a + (x - ubMean) ** 2, 0) / (unbiasedErrors.length - 1))
    t.comment(`unbiased estimate: mean error ${ubMean.toFixed(3)} = ${(ubMean / ubSd).toFixed(3)} sd`)
    t.ok(Math.abs(ubMean) <= 0.1 * ubSd, 'unbiased estimate: mean error within 0.1 sd of 0')
    t.ok(run.near.every((e) => e.estimate === Math.min(Math.max(e.unbiased!, 0), N)), 'the estimate is the unbiased one clipped')
    for (const e of run.near) {
      if (!(e.ciLow <= e.estimate && e.estimate <= e.ciHigh && e.ciLow >= 0 && e.ciHigh <= N)) outside++
    }
    t.equal(outside, 0, 'every estimate inside its interval, within [0, n]')
    const above = run.unrelated.filter((e) => e.status === 'above_k' && e.estimate === K + 1 && e.ciLow === K + 1 && e.ciHigh === N)
    t.equal(above.length, UNRELATED, 'unrelated records are above k, with k + 1 as the lower bound')
    t.ok(run.near.every((e) => e.status === 'ok'), 'near records finish within the band')
  })
}

t.test('intervals are reproducible: the record uniform is a public hash, not noise', async (t) => {
  const n = 1024
  const plan = noisyBits.plan({ n, k: 16, epsilonMicro: 9_000_000, unitBits: 1, options: {} }, 'x')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const cal = noisyBits.calibrate(plan, flip.pTilde)
  const rng = dataRng('repro')
  const query = randomString(n, rng)
  const m = 400
  const sketches = new Uint32Array(m * plan.wordsPerRecord)
  const build = noisyBits.builder(plan, flip, new SeededNoiseSource('repro-noise'))
  for (let r = 0; r < m; r++) build(withPlantedEdits(query, n, r % 17, rng), 0, sketches, r * plan.wordsPerRecord)
  const options = { confidence: 0.95, simultaneousM: null }
  const first = noisyBits.prepareQuery(plan, flip.pTilde, cal, query, options)
  const second = noisyBits.prepareQuery(plan, flip.pTilde, cal, query.slice(), options)
  const a = Array.from({ length: m }, (_, r) => first(sketches, r * plan.wordsPerRecord))
  const b = Array.from({ length: m }, (_, r) => second(sketches, r * plan.wordsPerRecord))
  t.same(b, a, 'the same query on the same sketch: the same answers')
  // The same stored record at every ordinal: the same estimate, and both interval shapes of the
  // randomized belt appear (the uniform depends on the ordinal).
  const one = 8 // planted distance 8: an interval away from the clip at 0
  const copies = new Uint32Array(m * plan.wordsPerRecord)
  for (let r = 0; r < m; r++) copies.set(sketches.subarray(one * plan.wordsPerRecord, (one + 1) * plan.wordsPerRecord), r * plan.wordsPerRecord)
  const shapes = new Set<string>()
  let sameEstimate = 0
  for (let r = 0; r < m; r++) {
    const e = first(copies, r * plan.wordsPerRecord)
    if (e.estimate === a[one].estimate) sameEstimate++
    shapes.add(`[${e.ciLow}, ${e.ciHigh}]`)
  }
  t.equal(sameEstimate, m, 'the estimate does not depend on the ordinal')
  t.ok(shapes.size >= 2, `intervals differ between ordinals: ${[...shapes].join(' ')}`)
})

t.test('simultaneous intervals fall back to the rigorous |G| ≤ H bound', async (t) => {
  const run = accuracyRun(noisyBits, {
    n: N, k: K, epsilon: 8, near: 400, unrelated: 0, seed: 'nb-bonferroni', simultaneousM: 100_000,
  })
  const h = binomialUpperBound(N, run.pTilde, 0.05 / 100_000)
  const widths = new Set(run.near.filter((e) => e.ciLow > 0).map((e) => e.ciHigh - e.ciLow))
  t.same([...widths], [2 * h], `intervals are ED(Ã,B) ± ${h}`)
  t.equal(run.coverage, 1, 'all intervals cover')
})

t.test('calibration is cached, deterministic and rejects mismatches', async (t) => {
  const plan = noisyBits.plan({ n: 512, k: 8, epsilonMicro: 7_000_000, unitBits: 1, options: {} }, 'x')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const a = noisyBits.calibrate(plan, flip.pTilde)
  t.equal(noisyBits.calibrate(plan, flip.pTilde), a, 'cached')
  const [tables] = readBelt(a.belt)
  t.same(tables.map((x) => x.samples), [4000, 4000], 'one stratum, 4000 pairs per edit pattern')
  t.throws(() => noisyBits.prepareQuery(plan, flip.pTilde / 2, a, new Uint32Array(16), { confidence: 0.95, simultaneousM: null }), RangeError)
  t.throws(() => noisyBits.prepareQuery(plan, flip.pTilde, a, new Uint32Array(3), { confidence: 0.95, simultaneousM: null }), RangeError)
  t.throws(() => noisyBits.prepareQuery(plan, flip.pTilde, { ...a, belt: [{ min: 0, counts: [1], overflow: 0, samples: 2 }] }, new Uint32Array(16), { confidence: 0.95, simultaneousM: null }), RangeError)
})
