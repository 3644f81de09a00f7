import t from 'tap'
import fc from 'fast-check'
import { popcount32, wordsFor } from '../../../sketch/bits.js'
import { ISOLATED_PATTERN, LOCAL_PATTERN, beltMass, prepareBelt, readBelt } from '../../../sketch/stats/edit-calibration.js'
import { editDistanceLV } from '../../../sketch/exact/landau-vishkin.js'
import { lcpTree } from '../../../sketch/mechanisms/lcp-tree/index.js'
import {
  LCP_TREE_DEFAULT_STRIDE,
  LCP_TREE_FIRST_LEVEL,
  lcpTreeLayout,
  lcpTreeLayoutOf,
  lcpTreeRawWordAt,
  lcpTreeReliableEpsilon,
} from '../../../sketch/mechanisms/lcp-tree/layout.js'
import { lcpTreeCellOf } from '../../../sketch/mechanisms/lcp-tree/tables.js'
import { lcpTreeCleanSketch } from '../../../sketch/mechanisms/lcp-tree/build.js'
import { flipProbability } from '../../../privacy/randomized-response.js'
import { nibbleTableOf } from '../../support/lcp-tree-reference.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { accuracyRun } from '../../support/edit-accuracy.js'
import { dataRng, randomString, withPlantedEdits } from '../../support/planted-edits.js'

const N = 4096
const K = 32
/** Near records per ε: the standard error of a 95 % coverage is then √(0.95·0.05/3000) ≈ 0.004. */
const NEAR = 3000
const UNRELATED = 40

/** Nibble table as built inside the mechanism, from the public cellOf table (test reimplementation). */
function nibbleTable(n: number, seed: string): Uint32Array {
  return nibbleTableOf(lcpTreeCellOf(n, seed))
}

t.test('layout and plan: levels, Δ, words per record, reliability threshold', async (t) => {
  const layout = lcpTreeLayout(N, 1)
  t.equal(layout.levels, 7, 'stride 1 (the paper): levels 6..12')
  t.equal(layout.wordsPerRecord, 128 + 64 + 32 + 16 + 8 + 4 + 2 + 1)
  const sparse = lcpTreeLayout(N, 4)
  t.equal(sparse.levels, 2, 'stride 4: levels 6 and 10')
  t.equal(sparse.topStored, 10)
  t.equal(sparse.wordsPerRecord, 128 + 64 + 4)
  t.equal(lcpTreeLayout(N, 3).levels, 3, 'stride 3: levels 6, 9, 12')
  t.equal(lcpTreeLayout(100).levels, 1, 'n = 100: one 64-bit block')
  t.equal(lcpTreeLayout(63).levels, 0, 'n < 64: raw bits only')
  for (const bad of [0, 5, 1.5, NaN]) t.throws(() => lcpTreeLayout(N, bad), RangeError, `stride ${bad} refused`)

  const paper = lcpTree.plan({ n: N, k: K, epsilonMicro: 80_000_000, unitBits: 2, options: { levelStride: 1 } }, 'seed')
  t.equal(paper.delta, 2 * 8, 'stride 1: Δ = unitBits · (1 + #levels) = 2 · 8')
  t.equal(paper.params.hashSeed, 'seed')
  t.equal(paper.params.levelStride, 1)
  // ln(W·2(J+1)(k+1)²/α) with W = 32, J = 12, α = 0.05.
  const needed = 8 * Math.log((32 * 26 * 33 * 33) / 0.05)
  t.ok(Math.abs(lcpTreeReliableEpsilon(N, K, 8) - needed) < 1e-9, `reliable from ε = ${needed.toFixed(2)} at Δ = 8`)
  for (const eps of [60, 80, 120]) {
    const p = lcpTree.plan({ n: N, k: K, epsilonMicro: eps * 1_000_000, unitBits: 1, options: { levelStride: 1 } }, 'seed')
    t.equal(p.reliable, false, `stride 1: ε = ${eps} is flagged unreliable`)
    t.ok(p.notes.some((s) => s.startsWith('unreliable')), 'with a note saying why')
  }
  t.equal(lcpTree.plan({ n: N, k: K, epsilonMicro: 134_000_000, unitBits: 1, options: { levelStride: 1 } }, 'seed').reliable, true)

  const plan = lcpTree.plan({ n: N, k: K, epsilonMicro: 80_000_000, unitBits: 2, options: {} }, 'seed')
  t.equal(plan.params.levelStride, LCP_TREE_DEFAULT_STRIDE, 'new plans use the default stride')
  t.equal(plan.delta, 2 * (1 + lcpTreeLayout(N, LCP_TREE_DEFAULT_STRIDE).levels), 'Δ counts the stored levels only')
  t.equal(plan.params.layout, 'interleaved', 'new plans interleave raw words and first-level words')
  t.equal(plan.wordsPerRecord, lcpTreeLayout(N, LCP_TREE_DEFAULT_STRIDE, true).wordsPerRecord)
  const mixed = lcpTreeLayout(1000, 4, true)
  t.same([mixed.rawSpan, mixed.levelOffset, mixed.levelStep, mixed.wordsPerRecord], [48, [2], 3, 48], 'n = 1000: 16 triples (the last one partial), no level 10')
  t.equal(mixed.cells, 1000 + 32 * 15, 'cells: the raw bits and the 15 full blocks\' words')
  t.equal(lcpTreeLayout(63, 4, true).interleaved, false, 'n < 64: nothing to interleave')
  // Stride 4 at n = 4096: Δ = 3, T = 2^4·⌈13/4⌉·33² tests.
  const needed4 = 3 * Math.log((32 * 16 * 4 * 33 * 33) / 0.05)
  t.ok(Math.abs(lcpTreeReliableEpsilon(N, K, 3, 4) - needed4) < 1e-9, `stride 4: reliable from ε = ${needed4.toFixed(2)} at Δ = 3`)
  const low = lcpTree.plan({ n: N, k: K, epsilonMicro: 40_000_000, unitBits: 1, options: { levelStride: 4 } }, 'seed')
  t.equal(low.reliable, false, 'stride 4: ε = 40 is flagged unreliable')
  t.ok(low.notes.some((s) => s.startsWith('unreliable')), 'with a note saying why')
  t.equal(lcpTree.plan({ n: N, k: K, epsilonMicro: 60_000_000, unitBits: 1, options: { levelStride: 4 } }, 'seed').reliable, true, 'stride 4: ε = 60 is reliable')
  for (const bad of [0, 5, 2.5, '2']) {
    t.throws(() => lcpTree.plan({ n: N, k: K, epsilonMicro: 1, unitBits: 1, options: { levelStride: bad } }, 'seed'), RangeError, `levelStride ${String(bad)} refused`)
  }
  t.throws(() => lcpTree.plan({ n: N, k: K, epsilonMicro: 1, unitBits: 1, options: { W: 64 } }, 'seed'), RangeError)
  t.throws(() => lcpTree.plan({ n: N, k: K, epsilonMicro: 1, unitBits: 1, options: {} }, ''), RangeError)
  t.throws(() => lcpTree.plan({ n: 10, k: 11, epsilonMicro: 1, unitBits: 1, options: {} }, 'seed'), RangeError)
})

t.test('privacy: t changed bits (unitBits = t) change at most Δ clean cells, for every hash seed', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 700 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer(),
      fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      (seed, n, tBits, dataSeed, positions, stride) => {
        const unitBits = Math.min(tBits, n)
        const plan = lcpTree.plan({ n, k: 0, epsilonMicro: 1_000_000, unitBits, options: { levelStride: stride } }, seed)
        const layout = lcpTreeLayoutOf(plan)
        const nibble = nibbleTable(n, seed)
        const record = randomString(n, dataRng(String(dataSeed)))
        const neighbour = record.slice()
        const changedPositions = new Set(positions.slice(0, unitBits).map((p) => p % n))
        for (const p of changedPositions) neighbour[p >>> 5] ^= 1 << (31 - (p & 31))
        const a = new Uint32Array(plan.wordsPerRecord)
        const b = new Uint32Array(plan.wordsPerRecord)
        lcpTreeCleanSketch(layout, nibble, record, 0, a, 0)
        lcpTreeCleanSketch(layout, nibble, neighbour, 0, b, 0)
        let changed = 0
        for (let w = 0; w < a.length; w++) changed += popcount32(a[w] ^ b[w])
        if (changed > plan.delta) return false
        if (changedPositions.size === 1) {
          // One position: exactly its raw cell plus one cell in every stored level whose full blocks cover it.
          const [x] = [...changedPositions]
          let covering = 0
          for (let j = LCP_TREE_FIRST_LEVEL; j <= layout.topLevel; j += stride) if (x < Math.floor(n / 2 ** j) * 2 ** j) covering++
          return changed === 1 + covering
        }
        return true
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 random seeds, records, positions, unitBits and level strides')
})

t.test('builder writes the clean sketch with randomized response on every cell', async (t) => {
  const n = 1000
  const plan = lcpTree.plan({ n, k: 8, epsilonMicro: 10_000_000, unitBits: 1, options: {} }, 'b-seed')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const layout = lcpTreeLayoutOf(plan)
  const nibble = nibbleTable(n, 'b-seed')
  const build = lcpTree.builder(plan, flip, new SeededNoiseSource('lcp-builder'))
  const rng = dataRng('lcp-builder-data')
  const m = 300
  let flips = 0
  let padding = 0
  let outside = 0
  for (let r = 0; r < m; r++) {
    const record = randomString(n, rng)
    const clean = new Uint32Array(plan.wordsPerRecord)
    lcpTreeCleanSketch(layout, nibble, record, 0, clean, 0)
    const out = new Uint32Array(plan.wordsPerRecord + 2)
    build(record, 0, out, 1)
    for (let w = 0; w < plan.wordsPerRecord; w++) flips += popcount32(out[1 + w] ^ clean[w])
    const lastRaw = 1 + lcpTreeRawWordAt(layout, layout.rawWords - 1)
    padding += popcount32(out[lastRaw] & ~(-1 << (32 - (n & 31))))
    // the first-level slot of the partial last block holds no cell
    if (layout.interleaved) padding += popcount32(out[1 + layout.rawSpan - 1])
    outside |= out[0] | out[plan.wordsPerRecord + 1]
  }
  const cells = m * layout.cells
  const mean = cells * flip.pTilde
  const sd = Math.sqrt(cells * flip.pTilde * (1 - flip.pTilde))
  t.comment(`flips ${flips}, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`)
  t.ok(Math.abs(flips - mean) < 5 * sd, 'flip count within 5 sd of Bin(cells, p̃)')
  t.equal(padding, 0, 'raw padding bits and the unused slot are not cells and stay zero')
  t.equal(outside, 0, 'nothing written outside the record')
})

for (const stride of [1, LCP_TREE_DEFAULT_STRIDE]) t.test(`without noise the tree never overestimates and is exact unless parity words collide (stride ${stride})`, async (t) => {
  const n = 1200
  const k = 24
  const plan = lcpTree.plan({ n, k, epsilonMicro: 500_000_000, unitBits: 1, options: { levelStride: stride } }, 'clean-seed')
  // A table for a vanishing p̃ (2^-53): the simulated sketches are noise-free as well.
  const cal = lcpTree.calibrate(plan, 2 ** -53)
  const layout = lcpTreeLayoutOf(plan)
  const nibble = nibbleTable(n, 'clean-seed')
  const rng = dataRng('clean-data')
  const query = randomString(n, rng)
  const estimate = lcpTree.prepareQuery(plan, 2 ** -53, cal, query, { confidence: 0.95, simultaneousM: null })
  // The estimate is the LV result r debiased by the simulated mean error μ̂ ≤ 0 (underestimates only).
  const mu = cal.meanError as number
  t.ok(mu <= 0, `mean simulated error ${mu.toFixed(4)} ≤ 0 without noise`)
  let exact = 0
  let over = 0
  const m = 400
  for (let r = 0; r < m; r++) {
    const record = withPlantedEdits(query, n, r % (k + 1), rng)
    const sketch = new Uint32Array(plan.wordsPerRecord)
    lcpTreeCleanSketch(layout, nibble, record, 0, sketch, 0)
    const truth = editDistanceLV(record, n, query, n, k) as number
    const e = estimate(sketch, 0)
    // k + 1 (above k) is reported as is; otherwise r = estimate + μ̂.
    const lv = e.estimate === k + 1 ? k + 1 : Math.round(e.estimate + mu)
    if (lv > truth) over++
    if (lv === truth) exact++
  }
  t.equal(over, 0, 'an LCE at least as long as the true one can only lower the LV result')
  t.comment(`exact on ${exact}/${m} noise-free records`)
  t.ok(exact >= 0.9 * m, 'at least 90 % exact without noise')
  const unrelated = estimate(randomString(n, rng).slice(), 0)
  t.equal(unrelated.estimate, k + 1, 'an unrelated string is above k (its estimate is not debiased)')
})

for (const epsilon of [60, 80, 120]) {
  t.test(`accuracy at ε = ${epsilon} (n = ${N}, k = ${K}, true distances 0…${K})`, async (t) => {
    for (const substitutionsOnly of [false, true]) {
      const pattern = substitutionsOnly ? 'isolated substitutions' : 'mixed clustered edits'
      const run = accuracyRun(lcpTree, {
        n: N, k: K, epsilon, near: NEAR, unrelated: UNRELATED, seed: `lcp-${epsilon}`, substitutionsOnly,
      })
      const tables = readBelt(run.calibration.belt)
      const belt = prepareBelt(tables, K, N, 0.95, run.calibration.meanError as number)
      if (belt === null) throw new Error('tables cannot resolve 95 %')
      // The calibrated coverage for these truths under the simulated pattern closest to the test data:
      // isolated substitutions for themselves, local edits (substitutions, shifts, bursts) for the
      // mixed clustered edits of test/support/planted-edits.ts.
      const predicted = beltMass(belt, run.truth, substitutionsOnly ? ISOLATED_PATTERN : LOCAL_PATTERN)
      const pooled = beltMass(belt, run.truth)
      const perCell = Math.min(...tables.flat().map((x) => x.samples))
      const se = Math.sqrt(predicted * (1 - predicted) * (1 / NEAR + 1 / perCell))
      t.comment(
        `lcp-tree ε=${epsilon}, ${pattern}: Δ=${run.plan.delta}, p̃=${run.pTilde.toExponential(2)}, ` +
          `mean error ${run.meanError.toFixed(3)}, sd ${run.sdError.toFixed(3)}, 95 % coverage ` +
          `${(100 * run.coverage).toFixed(2)} % (calibrated ${(100 * predicted).toFixed(2)} % for the pattern, ` +
          `${(100 * pooled).toFixed(2)} % for the mixture), calibration ${run.calibrateMs.toFixed(0)} ms`,
      )
      const reliable = epsilon >= (run.plan.params.reliableEpsilon as number)
      t.equal(run.plan.reliable, reliable, `${reliable ? 'at or above' : 'below'} the reliable ε (${(run.plan.params.reliableEpsilon as number).toFixed(1)} at Δ = ${run.plan.delta})`)
      const flagged = [...run.near, ...run.unrelated].every((e) => e.status === 'unreliable')
      t.equal(flagged, !reliable, reliable ? 'no estimate is flagged unreliable' : 'every estimate has status unreliable')
      t.ok(Math.abs(run.meanError) <= 1, 'mean error within one edit')
      t.ok(Math.abs(pooled - 0.95) < 0.005, 'the belt has simulated mass 95 % for the mixture (up to hulls across strata)')
      t.ok(Math.abs(run.coverage - predicted) <= 3 * se, `${pattern}: coverage matches the calibrated pattern within 3 SE`)
      t.ok(run.coverage >= 0.93 && run.coverage <= 0.97, `${pattern}: coverage ${(100 * run.coverage).toFixed(2)} % in [93 %, 97 %]`)
      const outside = [...run.near, ...run.unrelated].filter((e) => !(e.ciLow <= e.estimate && e.estimate <= e.ciHigh && e.ciLow >= 0 && e.ciHigh <= N))
      t.equal(outside.length, 0, 'every estimate inside its interval, within [0, n]')
      t.ok(run.unrelated.every((e) => e.estimate === K + 1 && e.ciHigh === N), 'unrelated records: k + 1, a lower bound')
    }
  })
}

t.test('below its reliable ε every estimate is flagged unreliable, and the plan says so', async (t) => {
  const run = accuracyRun(lcpTree, { n: N, k: K, epsilon: 30, near: 200, unrelated: 10, seed: 'lcp-30' })
  t.equal(run.plan.reliable, false, `ε = 30 is below ${(run.plan.params.reliableEpsilon as number).toFixed(1)}`)
  t.ok(run.plan.notes.some((s) => s.startsWith('unreliable')), 'with a note saying why')
  t.ok([...run.near, ...run.unrelated].every((e) => e.status === 'unreliable'), 'every estimate has status unreliable')
  t.comment(`n=${N}, ε=30: mean error ${run.meanError.toFixed(3)}, sd ${run.sdError.toFixed(3)}, coverage ${(100 * run.coverage).toFixed(2)} %`)
})

t.test('at a reliable ε estimates are ok or above_k', async (t) => {
  // n = 1024 keeps the calibration cheap (reliable from ε ≈ 99.3 with every level stored, about 50 with the default stride).
  const run = accuracyRun(lcpTree, { n: 1024, k: K, epsilon: 100, near: 300, unrelated: 10, seed: 'lcp-100' })
  t.equal(run.plan.reliable, true)
  t.ok(run.near.every((e) => e.status === 'ok' || e.status === 'above_k'), 'no unreliable status')
  t.ok(run.unrelated.every((e) => e.status === 'above_k'), 'unrelated records above k')
  t.comment(`n=1024, ε=100: mean error ${run.meanError.toFixed(3)}, sd ${run.sdError.toFixed(3)}, coverage ${(100 * run.coverage).toFixed(2)} %`)
  t.ok(run.coverage >= 0.93, 'coverage at least 93 %')
})

t.test('simultaneous intervals beyond the table are the promise interval [0, k]', async (t) => {
  // Same plan (hash seed) as the ε = 80 accuracy run, so its calibration is reused from the cache.
  const run = accuracyRun(lcpTree, { n: N, k: K, epsilon: 80, near: 100, unrelated: 5, seed: 'lcp-80', simultaneousM: 10_000 })
  t.ok(run.near.every((e) => e.ciLow === 0 && (e.ciHigh === Math.max(K, e.estimate) || e.ciHigh === N)), 'honestly wide (and holding the estimate)')
  t.equal(run.coverage, 1)
})

t.test('query and calibration validation', async (t) => {
  const plan = lcpTree.plan({ n: 256, k: 4, epsilonMicro: 100_000_000, unitBits: 1, options: {} }, 's')
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const cal = lcpTree.calibrate(plan, flip.pTilde)
  t.equal(lcpTree.calibrate(plan, flip.pTilde), cal, 'cached')
  t.throws(() => lcpTree.prepareQuery(plan, flip.pTilde, cal, new Uint32Array(wordsFor(256) - 1), { confidence: 0.95, simultaneousM: null }), RangeError)
  t.throws(() => lcpTree.prepareQuery(plan, flip.pTilde * 2, cal, new Uint32Array(8), { confidence: 0.95, simultaneousM: null }), RangeError)
  t.throws(() => lcpTree.builder(plan, flipProbability(plan.epsilonMicro, 1), new SeededNoiseSource(2)), RangeError)
})
