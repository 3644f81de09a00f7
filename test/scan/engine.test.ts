import t from 'tap'
import fc from 'fast-check'
import { flipProbability } from '../../privacy/randomized-response.js'
import { randomBits } from '../../sketch/bits.js'
import { getMechanism } from '../../sketch/mechanisms/index.js'
import type { MechanismName } from '../../sketch/mechanisms/mechanism.js'
import { mergeTop, scanTop, statusCodes, useNativeCountFilter } from '../../scan/engine.js'
import { type NativePath, nativeCountFilterModule } from '../../sketch/kernels/native-count-filter.js'
import { allocateSketchMemory } from '../../sketch/kernels/sketch-memory.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'

/** The plain definition: every record's estimate, sorted by (estimate, ordinal), filtered, cut at top. */
function reference(mechanism: MechanismName, cells: number, seed: number, m = 5000) {
  const n = 512
  const noise = new SeededNoiseSource(`scan-${seed}`)
  const mech = getMechanism(mechanism)
  const plan = mech.plan({ n, k: 32, epsilonMicro: 3_000_000, unitBits: 1, options: mechanism === 'parity' ? { cells } : {} }, `seed-${seed}`)
  const flip = flipProbability(plan.epsilonMicro, plan.delta)
  const data = new Uint32Array(m * plan.wordsPerRecord)
  const build = mech.builder(plan, flip, noise)
  const base = randomBits(n, () => noise.nextUint32())
  for (let r = 0; r < m; r++) {
    const rec = base.slice()
    for (let j = 0; j < r % 70; j++) {
      const p = noise.nextUint32() % n
      rec[p >>> 5] ^= 1 << (31 - (p & 31))
    }
    build(rec, 0, data, r * plan.wordsPerRecord)
  }
  const calibration = mech.calibrate(plan, flip.pTilde)
  return { plan, data, pTilde: flip.pTilde, calibration, base, m }
}

const filters = nativeCountFilterModule() === null ? ['WebAssembly'] : ['native', 'WebAssembly']

t.test('the bulk-count path (native and WebAssembly count filters) and the per-record path give exactly the plain top-k', async (t) => {
  t.teardown(() => useNativeCountFilter(true))
  const cases: Array<[MechanismName, number]> = [['parity', 32], ['parity', 128], ['parity', 512], ['pl07', 0]]
  for (const [mechanism, cells, filter] of cases.flatMap(([m, c]) => filters.map((f) => [m, c, f] as const))) {
    useNativeCountFilter(filter === 'native')
    const s = reference(mechanism, cells, cells)
    const options = { confidence: 0.95, simultaneousM: null }
    const est = getMechanism(mechanism).prepareQuery(s.plan, s.pTilde, s.calibration, s.base, options)
    t.equal(est.byCount !== undefined, mechanism === 'parity', `${mechanism}: bulk path ${mechanism === 'parity' ? 'offered' : 'not offered'}`)
    const all = Array.from({ length: s.m }, (_, r) => est(s.data, r * s.plan.wordsPerRecord))
    await fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }), fc.integer({ min: 1, max: 4 }), (top, maxDistance, parts) => {
        const order = all
          .map((e, r) => ({ e, r }))
          .filter(({ e }) => maxDistance === undefined || e.estimate <= maxDistance)
          .sort((a, b) => a.e.estimate - b.e.estimate || a.r - b.r)
          .slice(0, top)
        const ranges = Array.from({ length: parts }, (_, p) => [Math.floor((p * s.m) / parts), Math.floor(((p + 1) * s.m) / parts)])
        const partial = ranges.map(([from, to]) =>
          scanTop({ data: s.data, plan: s.plan, pTilde: s.pTilde, calibration: s.calibration, queries: [s.base], options, from, to, top, maxDistance })[0],
        )
        const got = mergeTop(partial, top)
        t.same(Array.from(got.ordinals), order.map((o) => o.r))
        t.same(Array.from(got.estimate), order.map((o) => o.e.estimate))
        t.same(Array.from(got.ciLow), order.map((o) => o.e.ciLow))
        t.same(Array.from(got.ciHigh), order.map((o) => o.e.ciHigh))
        t.same(Array.from(got.status, (c) => statusCodes[c]), order.map((o) => o.e.status))
      }),
      { numRuns: 15, seed: 11 },
    )
  }
})

t.test('native, WebAssembly in place on a shared sketch memory and WebAssembly by copying: the same answers, for single queries and batches', async (t) => {
  t.teardown(() => useNativeCountFilter(true))
  // more records than one scan block (8192), so that the native batch path serves the later blocks
  const s = reference('parity', 512, 3, 20_000)
  const { data, memory } = allocateSketchMemory(s.data.length)
  t.ok(memory !== null, 'shared sketch memory available')
  data.set(s.data)
  const options = { confidence: 0.95, simultaneousM: null }
  const rng = new SeededNoiseSource('scan-batch')
  const queries = [s.base, ...Array.from({ length: 4 }, () => {
    const q = s.base.slice()
    for (let j = 0; j < 40; j++) q[rng.nextUint32() % q.length] ^= 1 << (rng.nextUint32() & 31)
    return q
  })]
  const common = { plan: s.plan, pTilde: s.pTilde, calibration: s.calibration, options, from: 0, to: s.m, top: 50, maxDistance: 60 }
  useNativeCountFilter(false)
  const copying = scanTop({ ...common, data: s.data, queries })
  const inPlace = scanTop({ ...common, data, memory, queries })
  t.same(inPlace, copying, 'a batch of five')
  for (let q = 0; q < queries.length; q++) {
    t.same(scanTop({ ...common, data, memory, queries: [queries[q]] })[0], copying[q], `query ${q} alone`)
  }
  const native = nativeCountFilterModule()
  for (const path of native === null ? [] : (Object.keys(native.paths) as NativePath[])) {
    useNativeCountFilter(path)
    t.same(scanTop({ ...common, data, memory, queries }), copying, `native ${path}: a batch of five (one pass per block for all of them)`)
    t.same(scanTop({ ...common, data: s.data, queries }), copying, `native ${path} on a plain array`)
    for (let q = 0; q < queries.length; q++) t.same(scanTop({ ...common, data, memory, queries: [queries[q]] })[0], copying[q], `native ${path}: query ${q} alone`)
  }
  t.ok(copying.every((hits) => hits.ordinals.length > 0), 'every query has hits')
})

t.test('a batch whose top lists never fill (a strict maxDistance, as in a linkage run) gives the plain top-k on every path', async (t) => {
  t.teardown(() => useNativeCountFilter(true))
  // three scan blocks; top far above the records within maxDistance, so no list is ever full and
  // the blocks after the first go through the batch kernel with maxDistance's cut alone
  const s = reference('parity', 512, 5, 20_000)
  const options = { confidence: 0.95, simultaneousM: null }
  const rng = new SeededNoiseSource('scan-strict')
  const queries = [s.base, ...Array.from({ length: 5 }, () => {
    const q = s.base.slice()
    for (let j = 0; j < 20; j++) q[rng.nextUint32() % q.length] ^= 1 << (rng.nextUint32() & 31)
    return q
  })]
  const top = 15_000
  const maxDistance = 30
  const plain = queries.map((query) => {
    const est = getMechanism('parity').prepareQuery(s.plan, s.pTilde, s.calibration, query, options)
    return Array.from({ length: s.m }, (_, r) => ({ e: est(s.data, r * s.plan.wordsPerRecord), r }))
      .filter(({ e }) => e.estimate <= maxDistance)
      .sort((a, b) => a.e.estimate - b.e.estimate || a.r - b.r)
  })
  t.ok(plain.every((hits) => hits.length > 0 && hits.length < top), 'every query has hits, and fewer than top')
  const native = nativeCountFilterModule()
  const choices: Array<false | NativePath> = [false, ...(native === null ? [] : (Object.keys(native.paths) as NativePath[]))]
  for (const choice of choices) {
    useNativeCountFilter(choice)
    const got = scanTop({ data: s.data, plan: s.plan, pTilde: s.pTilde, calibration: s.calibration, queries, options, from: 0, to: s.m, top, maxDistance })
    for (let q = 0; q < queries.length; q++) {
      t.same(Array.from(got[q].ordinals), plain[q].map((o) => o.r), `${choice || 'WebAssembly'}: query ${q} ordinals`)
      t.same(Array.from(got[q].estimate), plain[q].map((o) => o.e.estimate), `${choice || 'WebAssembly'}: query ${q} estimates`)
    }
  }
})
