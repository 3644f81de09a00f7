import t from 'tap'
import fc from 'fast-check'
import { popcount32, wordsFor } from '../../../sketch/bits.js'
import seedrandom from 'seedrandom'
import {
  BeltBuilder,
  ErrorTableBuilder,
  beltEstimate,
  beltInterval,
  beltMass,
  beltUniforms,
  calibrationSamples,
  prepareBelt,
  readBelt,
  readErrorTable,
  stratumOf,
} from '../../../sketch/stats/edit-calibration.js'
import type { ErrorTable, PreparedBelt } from '../../../sketch/stats/edit-calibration.js'
import { MIN_TAIL_SAMPLES, randomizedRegion } from '../../../sketch/stats/belt-region.js'
import type { RandomizedRegion } from '../../../sketch/stats/belt-region.js'
import { plantEdits, simulateFlips, syntheticRng, syntheticString } from '../../../sketch/stats/synthetic-edits.js'
import { editDistanceLV } from '../../../sketch/exact/landau-vishkin.js'

function tableOf(values: Record<number, number>, overflow = 0) {
  const b = new ErrorTableBuilder()
  for (const [v, c] of Object.entries(values)) for (let i = 0; i < c; i++) b.add(Number(v))
  for (let i = 0; i < overflow; i++) b.addOverflow()
  return b.table()
}

t.test('readErrorTable and readBelt reject malformed input', async (t) => {
  const good = tableOf({ 3: 5 })
  t.same(readErrorTable(JSON.parse(JSON.stringify(good))), good, 'JSON round trip')
  t.throws(() => readErrorTable({ ...good, samples: 6 }), RangeError)
  t.throws(() => readErrorTable({ ...good, counts: [-1] }), RangeError)
  t.throws(() => readErrorTable(null), RangeError)
  t.throws(() => readBelt({}), RangeError)
  t.throws(() => readBelt([[]]), RangeError, 'a stratum without tables')
  t.same(readBelt([]), [])
  t.same(readBelt([[good, good]]), [[good, good]], 'strata of per-pattern tables')
  t.same(readBelt([good, good]), [[good], [good]], 'a stored belt of one table per stratum reads as one pattern')
})

/**
 * The cells of U ∈ [0, 1) between the belt's pLo and pHi values, where every interval is constant:
 * a representative U and the cell's width (for exhaustive checks).
 */
function uCells(belt: PreparedBelt): { u: number; width: number }[] {
  const cuts = [0, 1, ...belt.regions.flatMap((r) => [r.pLo, r.pHi])].sort((a, b) => a - b)
  const cells: { u: number; width: number }[] = []
  for (let q = 0; q + 1 < cuts.length; q++) if (cuts[q + 1] > cuts[q]) cells.push({ u: (cuts[q] + cuts[q + 1]) / 2, width: cuts[q + 1] - cuts[q] })
  return cells
}

t.test('belt: strata, randomized inversion, and no belt when a stratum is empty', async (t) => {
  t.same([0, 8, 9, 16, 32, 40].map((x) => stratumOf(x, 32, 4)), [0, 0, 1, 1, 3, 3])
  const belt = new BeltBuilder(7, 2)
  // Stratum 0 (t ≤ 3): exact. Stratum 1 (t ≥ 4): S = t or t − 2.
  for (let i = 0; i < 1000; i++) belt.add(i % 4, 0)
  for (let i = 0; i < 1000; i++) belt.add(4 + (i % 4), i % 10 === 0 ? -2 : 0)
  const prepared = prepareBelt(belt.tables(), 7, 100, 0.95)
  if (prepared === null) throw new Error('belt not resolvable')
  // Stratum 0: G = 0 always, and the core must hold the centre 0: forced, deterministic.
  t.match(prepared.regions[0], { lo: 0, hi: 0, pLo: 1, pHi: 1, mass: 1 })
  // Stratum 1: 0 always (90 %), −2 with probability 1/2 (5 %): mass exactly 95 %. The value −1
  // between them has no mass; it is in the run so that the accepted set stays a run.
  t.match(prepared.regions[1], { lo: -2, hi: 0, pHi: 1 })
  t.ok(Math.abs(prepared.regions[1].pLo - 0.5) < 1e-12, 'the boundary value −2 counts half the time')
  t.ok(Math.abs(prepared.regions[1].mass - 0.95) < 1e-12, 'exact mass')
  t.same(beltInterval(prepared, 1, 0.2), [1, 1], 'small S: exact stratum')
  t.same(beltInterval(prepared, 3, 0.2), [3, 5], 'U below pLo: S = 3 may be t = 3 or an underestimated t = 5')
  t.same(beltInterval(prepared, 3, 0.7), [3, 4], 'U above pLo: t = 5 is not accepted (t = 4 is, with G = −1)')
  t.same(beltInterval(prepared, 6, 0.2), [6, 8], 'the last stratum extends past k')
  t.same(beltInterval(prepared, 99, 0.2), [99, 100], 'clipped to n')
  t.equal(beltInterval(prepared, -5, 0.2), null, 'no t accepted')
  // Exact coverage: averaged over U, stratum 1 truths are covered with probability 95 %.
  t.ok(Math.abs(beltMass(prepared, [5]) - 0.95) < 1e-12, `t = 5: ${beltMass(prepared, [5])}`)
  t.equal(beltMass(prepared, [1]), 1, 'the forced stratum covers always')
  t.equal(prepareBelt(belt.tables(), 7, 100, 0.999), null, 'level beyond the tables')
  const sparse = new BeltBuilder(7, 2)
  sparse.add(0, 0)
  t.same(sparse.tables(), [], 'a stratum without pairs: no belt')
  const patterns = new BeltBuilder(7, 1, 2)
  patterns.add(0, 0, 0)
  t.same(patterns.tables(), [], 'a pattern without pairs: no belt')
  t.equal(prepareBelt([], 7, 100, 0.95), null)
  t.throws(() => new BeltBuilder(2, 4), RangeError)
  t.throws(() => new BeltBuilder(2, 1, 0), RangeError)
})

/** A table from exact probabilities (in thousandths) over consecutive values from `min`. */
function tableFrom(min: number, perMille: number[]): ErrorTable {
  const counts = perMille.map((c) => c * 10)
  return { min, counts, overflow: 0, samples: counts.reduce((s, c) => s + c, 0) }
}

t.test('randomizedRegion: exact mass, a core touching the centre, the shortest expected run', async (t) => {
  // G ∈ {0, 1, 2} with 820, 165, 15 ‰ (noisy-bits at ε = 10): no deterministic run holds 95 %.
  const table = tableFrom(0, [820, 165, 15])
  const r = randomizedRegion([table], 0.95, 0.186) as RandomizedRegion
  t.match(r, { lo: 0, hi: 1, pLo: 1 })
  t.ok(Math.abs(r.pHi - 0.13 / 0.165) < 1e-12, 'G = 1 counts with probability 0.13/0.165')
  t.ok(Math.abs(r.mass - 0.95) < 1e-12, 'exact mass')
  // Centre 1.5: the core must hold 1 or 2, so 0 can only be a fractional end.
  const shifted = randomizedRegion([table], 0.95, 1.5) as RandomizedRegion
  t.match(shifted, { lo: 0, hi: 1, pHi: 1 }, 'core {1}, 0 fractional')
  t.ok(Math.abs(shifted.pLo - 0.785 / 0.82) < 1e-12, 'G = 0 counts with probability 0.785/0.82')
  // Centre 0 and P[G = 0] = 99 % > 95 %: forced deterministic over-coverage.
  t.match(randomizedRegion([tableFrom(0, [990, 10])], 0.95, 0), { lo: 0, hi: 0, pLo: 1, pHi: 1, mass: 0.99 })
  // Centre −0.2 lets the core be the empty-mass value −1, so 0 itself becomes fractional.
  const below = randomizedRegion([tableFrom(-1, [0, 990, 10])], 0.95, -0.2) as RandomizedRegion
  t.match(below, { lo: -1, hi: 0, pLo: 1 })
  t.ok(Math.abs(below.pHi - 0.95 / 0.99) < 1e-12, 'G = 0 counts with probability 0.95/0.99')
  t.equal(randomizedRegion([tableFrom(0, [1])], 0.95, 0), null, 'too few samples for a 5 % tail')
  t.equal(MIN_TAIL_SAMPLES, 20)
  t.equal(randomizedRegion([{ min: 0, counts: [900], overflow: 100, samples: 1000 }], 0.95, 0), null, 'overflow exceeds 1 − level')
  t.throws(() => randomizedRegion([table], 1, 0), RangeError)
})

t.test('randomizedRegion: balances the coverage of two patterns', async (t) => {
  // Isolated substitutions: G = −2 for 15 %; local edits: G = 0 for 99 %. (lcp-tree at large ε.)
  const isolated = tableFrom(-4, [10, 0, 150, 0, 840])
  const local = tableFrom(-4, [0, 0, 10, 0, 990])
  const r = randomizedRegion([isolated, local], 0.95, -0.15) as RandomizedRegion
  const spread = Math.abs(r.patternMass[0] - r.patternMass[1])
  t.comment(`region [${r.lo}, ${r.hi}], pLo ${r.pLo.toFixed(3)}, pHi ${r.pHi.toFixed(3)}, pattern coverage ${r.patternMass.map((x) => x.toFixed(4))}`)
  t.ok(Math.abs(r.mass - 0.95) < 1e-12, 'exact pooled mass')
  t.ok(Math.abs((r.patternMass[0] + r.patternMass[1]) / 2 - 0.95) < 1e-12, 'the pooled model is the equal mixture')
  t.equal(r.hi, 0, 'the value 0 is the thinned top end')
  t.ok(r.pHi < 1, 'and counts only part of the time')
  t.ok(spread < 0.01, `both patterns near 95 % (spread ${spread.toFixed(4)})`)
  // The single-pattern shortest region for the mixture would thin −2 instead: far apart.
  const pooled = tableFrom(-4, [5, 0, 80, 0, 915])
  const naive = randomizedRegion([pooled], 0.95, -0.15) as RandomizedRegion
  t.equal(naive.lo, -2, 'one pooled table: thin −2, the shortest expected run')
  const cover = (table: ErrorTable, reg: RandomizedRegion): number =>
    table.counts.reduce((s, c, q) => {
      const g = table.min + q
      const p = g < reg.lo || g > reg.hi ? 0 : g === reg.lo ? reg.pLo : g === reg.hi ? reg.pHi : 1
      return s + (c / table.samples) * p
    }, 0)
  t.ok(Math.abs(cover(isolated, naive) - cover(local, naive)) > 0.05, 'which covers the patterns very differently')
})

t.test('beltMass is the exact coverage of beltInterval averaged over U', async (t) => {
  const builder = new BeltBuilder(15, 3, 2)
  const rng = seedrandom.alea('belt-mass')
  for (let i = 0; i < 30_000; i++) {
    const truth = i % 16
    const pattern = i % 2
    const u = rng.double()
    // Pattern 0 wide (−2 … 3), pattern 1 narrow, both growing with the distance.
    const g = pattern === 0 ? Math.floor(u * (6 + truth / 4)) - 2 : u < 0.7 ? 0 : u < 0.95 ? 1 : -2
    builder.add(truth, g, pattern)
  }
  const belt = prepareBelt(builder.tables(), 15, 200, 0.9, 0.4)
  if (belt === null) throw new Error('belt not resolvable')
  const truths = Array.from({ length: 16 }, (_, x) => x)
  // Direct evaluation: every simulated value, every U cell of the belt.
  const cells = uCells(belt)
  let direct = 0
  for (const truth of truths) {
    const tables = belt.tables[stratumOf(truth, 15, 3)]
    for (const table of tables) {
      table.counts.forEach((c, q) => {
        for (const { u, width } of cells) {
          const iv = beltInterval(belt, truth + table.min + q, u)
          if (iv === null || (iv[0] <= truth && truth <= iv[1])) direct += (c / table.samples / tables.length) * width
        }
      })
    }
  }
  direct /= truths.length
  const mass = beltMass(belt, truths)
  t.ok(Math.abs(mass - direct) < 1e-9, `beltMass ${mass.toFixed(6)} = direct ${direct.toFixed(6)}`)
  t.ok(mass >= 0.9 - 1e-9, 'at least the level (hulls across strata only add)')
  t.ok(mass < 0.93, `and close to it: ${mass.toFixed(4)}`)
  for (const p of [0, 1]) t.ok(Math.abs(beltMass(belt, truths, p) - 0.9) < 0.06, `pattern ${p}: ${beltMass(belt, truths, p).toFixed(4)}`)
  // Every interval contains its estimate S − 0.4, whatever U.
  let outside = 0
  for (let s = -3; s < 40; s++) {
    for (const { u } of cells) {
      const iv = beltInterval(belt, s, u)
      const e = beltEstimate(belt, s)
      if (iv !== null && !(iv[0] <= e && e <= iv[1])) outside++
    }
  }
  t.equal(outside, 0, 'estimate inside every interval')
})

t.test('beltUniforms: deterministic, public, uniform', async (t) => {
  const n = 100
  const q = syntheticString(n, syntheticRng('uq'))
  const u = beltUniforms('label', q, n)
  const again = beltUniforms('label', q.slice(), n)
  t.equal(u(7), again(7), 'same label, query and ordinal: same U')
  t.not(u(7), u(8), 'depends on the ordinal')
  t.not(beltUniforms('other', q, n)(7), u(7), 'depends on the label')
  const flipped = q.slice()
  flipped[0] ^= 1 << 31
  t.not(beltUniforms('label', flipped, n)(7), u(7), 'depends on the query bits')
  const padded = q.slice()
  padded[padded.length - 1] |= 1 // bit 127, past n = 100
  t.equal(beltUniforms('label', padded, n)(7), u(7), 'padding bits are ignored')
  // Uniform on [0, 1): 20 000 ordinals in 10 bins, χ² with 9 degrees of freedom.
  const bins = new Array<number>(10).fill(0)
  let inRange = true
  for (let r = 0; r < 20_000; r++) {
    const x = u(r)
    if (!(x >= 0 && x < 1)) inRange = false
    bins[Math.floor(x * 10)]++
  }
  const chi2 = bins.reduce((s, b) => s + (b - 2000) ** 2 / 2000, 0)
  t.ok(inRange, 'in [0, 1)')
  t.ok(chi2 < 27.9, `χ² = ${chi2.toFixed(1)} (p = 0.001 critical value 27.9)`)
})

t.test('calibrationSamples', async (t) => {
  t.equal(calibrationSamples(1e6, 100, 4000), 4000)
  t.equal(calibrationSamples(1e6, 1000, 4000), 1000)
  t.equal(calibrationSamples(1e6, 5000, 4000), 0, 'fewer than 400 pairs: skip')
})

t.test('plantEdits keeps the length and stays within the budget', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 20 }), fc.string(), fc.constantFrom('mixed', 'isolated', 'local', true, false) as fc.Arbitrary<'mixed' | 'isolated' | 'local' | boolean>, (n, budget, seed, pattern) => {
      const rng = syntheticRng(seed)
      const a = syntheticString(n, rng)
      const b = plantEdits(a, n, budget, rng, pattern)
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
