import t from 'tap'
import fc from 'fast-check'
import { popcount32, wordsFor } from '../../sketch/bits.js'
import {
  BeltBuilder,
  ErrorTableBuilder,
  MIN_TAIL_SAMPLES,
  beltInterval,
  calibrationSamples,
  errorInterval,
  plantEdits,
  prepareBelt,
  readBelt,
  readErrorTable,
  simulateFlips,
  stratumOf,
  syntheticRng,
  syntheticString,
} from '../../sketch/edit-calibration.js'
import { editDistanceLV } from '../../sketch/landau-vishkin.js'

function tableOf(values: Record<number, number>, overflow = 0) {
  const b = new ErrorTableBuilder()
  for (const [v, c] of Object.entries(values)) for (let i = 0; i < c; i++) b.add(Number(v))
  for (let i = 0; i < overflow; i++) b.addOverflow()
  return b.table()
}

t.test('errorInterval: shortest run with mass ≥ level, ties to the larger mass and balanced tails', async (t) => {
  const table = tableOf({ 0: 820, 1: 160, 2: 20 })
  t.same(errorInterval(table, 0.95), { lo: 0, hi: 1, mass: 0.98 })
  t.same(errorInterval(table, 0.8), { lo: 0, hi: 0, mass: 0.82 })
  const symmetric = tableOf({ [-2]: 30, [-1]: 200, 0: 540, 1: 200, 2: 30 })
  t.same(errorInterval(symmetric, 0.9), { lo: -1, hi: 1, mass: 0.94 })
  t.equal(errorInterval(tableOf({ 0: 100 }), 0.95), null, 'too few runs to resolve a 5 % tail')
  t.equal(errorInterval(tableOf({ 0: 900 }, 100), 0.95), null, 'overflow mass alone exceeds 1 − level')
  t.throws(() => errorInterval(table, 1), RangeError)
  t.equal(MIN_TAIL_SAMPLES, 20)
})

t.test('readErrorTable and readBelt reject malformed input', async (t) => {
  const good = tableOf({ 3: 5 })
  t.same(readErrorTable(JSON.parse(JSON.stringify(good))), good, 'JSON round trip')
  t.throws(() => readErrorTable({ ...good, samples: 6 }), RangeError)
  t.throws(() => readErrorTable({ ...good, counts: [-1] }), RangeError)
  t.throws(() => readErrorTable(null), RangeError)
  t.throws(() => readBelt({}), RangeError)
  t.same(readBelt([]), [])
})

t.test('belt: strata, inversion, and no belt when a stratum is empty', async (t) => {
  t.same([0, 8, 9, 16, 32, 40].map((x) => stratumOf(x, 32, 4)), [0, 0, 1, 1, 3, 3])
  const belt = new BeltBuilder(7, 2)
  // Stratum 0 (t ≤ 3): exact. Stratum 1 (t ≥ 4): S = t or t − 2.
  for (let i = 0; i < 1000; i++) belt.add(i % 4, 0)
  for (let i = 0; i < 1000; i++) belt.add(4 + (i % 4), i % 10 === 0 ? -2 : 0)
  const prepared = prepareBelt(belt.tables(), 7, 100, 0.95)
  if (prepared === null) throw new Error('belt not resolvable')
  t.same(prepared.regions.map((r) => [r.lo, r.hi]), [[0, 0], [-2, 0]])
  t.same(beltInterval(prepared, 1), [1, 1], 'small S: exact stratum')
  t.same(beltInterval(prepared, 3), [3, 5], 'S = 3 may be t = 3 or an underestimated t = 5')
  t.same(beltInterval(prepared, 6), [6, 8], 'the last stratum extends past k')
  t.equal(prepareBelt(belt.tables(), 7, 100, 0.999), null, 'level beyond the tables')
  const sparse = new BeltBuilder(7, 2)
  sparse.add(0, 0)
  t.same(sparse.tables(), [], 'a stratum without pairs: no belt')
  t.equal(prepareBelt([], 7, 100, 0.95), null)
  t.throws(() => new BeltBuilder(2, 4), RangeError)
})

t.test('calibrationSamples', async (t) => {
  t.equal(calibrationSamples(1e6, 100, 4000), 4000)
  t.equal(calibrationSamples(1e6, 1000, 4000), 1000)
  t.equal(calibrationSamples(1e6, 5000, 4000), 0, 'fewer than 400 pairs: skip')
})

t.test('plantEdits keeps the length and stays within the budget', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 20 }), fc.string(), fc.boolean(), (n, budget, seed, subs) => {
      const rng = syntheticRng(seed)
      const a = syntheticString(n, rng)
      const b = plantEdits(a, n, budget, rng, subs)
      if (b.length !== wordsFor(n)) return false
      if ((n & 31) !== 0 && (b[b.length - 1] & ~(-1 << (32 - (n & 31)))) !== 0) return false
      const d = editDistanceLV(a, n, b, n, budget)
      return d !== null
    }),
    { numRuns: 300 },
  )
  t.pass('300 random cases')
})

t.test('simulateFlips flips each cell with probability p', async (t) => {
  const rng = syntheticRng('flips')
  const n = 100_000
  const words = new Uint32Array(wordsFor(n))
  const p = 0.01
  const flips = simulateFlips(words, 0, n, p, rng)
  let set = 0
  for (const w of words) set += popcount32(w)
  t.equal(set, flips, 'returned count matches the flipped cells')
  const sd = Math.sqrt(n * p * (1 - p))
  t.ok(Math.abs(flips - n * p) < 5 * sd, `flips ${flips} ≈ ${n * p} ± ${sd.toFixed(1)}`)
  t.equal(simulateFlips(words, 0, n, 0, rng), 0)
  t.throws(() => simulateFlips(words, 0, n, 0.6, rng), RangeError)
})
