/**
 * lcp-tree's query machinery (the transposed prefix tables, the Int32 record view, the LCE's inline
 * fast path under the shared Landau–Vishkin loop) against a direct implementation of the definitions in the
 * headers of sketch/mechanisms/lcp-tree/: bit-by-bit raw comparisons, B's parity word of every tested block
 * summed position by position from the public cellOf table, the generic landauVishkin on top.
 * Any speed-up of the query path must leave every answer unchanged, noise or not.
 */
import t from 'tap'
import fc from 'fast-check'
import { getBit, wordsFor } from '../../../sketch/bits.js'
import { landauVishkin } from '../../../sketch/exact/landau-vishkin.js'
import { LCP_TREE_FIRST_LEVEL, LCP_TREE_W, lcpTreeLayout } from '../../../sketch/mechanisms/lcp-tree/layout.js'
import type { LcpTreeLayout } from '../../../sketch/mechanisms/lcp-tree/layout.js'
import { lcpTreeCellOf } from '../../../sketch/mechanisms/lcp-tree/tables.js'
import { lcpTreeCleanSketch } from '../../../sketch/mechanisms/lcp-tree/build.js'
import { lcpTreeOracle } from '../../../sketch/mechanisms/lcp-tree/query.js'
import { nibbleTableOf } from '../../support/lcp-tree-reference.js'
import { seededProperty } from '../../support/property.js'
import type { DataRng } from '../../support/planted-edits.js'
import { dataRng, randomString, withPlantedEdits } from '../../support/planted-edits.js'

const property = seededProperty(0x1c9)


/** Flips each stored cell (n raw cells, then 32 per parity word) independently with probability p. */
function flipCells(layout: LcpTreeLayout, sketch: Uint32Array, offset: number, p: number, rng: DataRng): void {
  if (p === 0) return
  const flipRange = (from: number, cells: number): void => {
    for (let c = 0; c < cells; c++) {
      if (rng.uint32() / 2 ** 32 < p) sketch[from + (c >>> 5)] ^= 1 << (31 - (c & 31))
    }
  }
  if (layout.interleaved) {
    // full blocks: two raw words and the block's first-level word each; then the raw tail
    flipRange(offset, layout.blocks * (64 + LCP_TREE_W))
    flipRange(offset + 3 * layout.blocks, layout.n - 64 * layout.blocks)
  } else {
    flipRange(offset, layout.n)
  }
  flipRange(offset + layout.rawSpan, (layout.wordsPerRecord - layout.rawSpan) * LCP_TREE_W)
}

/** Reference LCE, straight from the definitions; `treeTests` counts the parity-word tests made. */
class ReferenceLce {
  treeTests = 0
  off = 0
  constructor(
    readonly layout: LcpTreeLayout,
    readonly cellOf: Uint8Array,
    readonly sketch: Uint32Array,
    readonly query: Uint32Array,
  ) {}

  private rawBit(x: number): number {
    const w = x >>> 5
    const at = this.layout.interleaved ? w + (w >>> 1) : w
    return (this.sketch[this.off + at] >>> (31 - (x & 31))) & 1
  }

  /** B's parity word of the A-block [s, s + len) on diagonal d, position by position. */
  private queryWord(s: number, len: number, d: number): number {
    let acc = 0
    for (let y = s; y < s + len; y++) if (getBit(this.query, y + d) === 1) acc ^= 0x80000000 >>> this.cellOf[y]
    return acc >>> 0
  }

  private eq(j: number, pos: number, d: number): boolean {
    this.treeTests++
    const level = (j - LCP_TREE_FIRST_LEVEL) / this.layout.stride
    const step = level === 0 ? this.layout.levelStep : 1
    const node = this.sketch[this.off + this.layout.levelOffset[level] + Math.floor(pos / 2 ** j) * step] >>> 0
    return node === this.queryWord(pos, 2 ** j, d)
  }

  /** First raw mismatch in [pos, end), or end. */
  private rawRun(pos: number, d: number, end: number): number {
    while (pos < end && this.rawBit(pos) === getBit(this.query, pos + d)) pos++
    return pos
  }

  lce(x: number, d: number): number {
    const { n, topStored, stride } = this.layout
    const lim = d > 0 ? n - d : n
    if (x >= lim) return 0
    let pos = x
    // Raw bits up to the next 64-bit boundary.
    let end = Math.min(Math.ceil(pos / 64) * 64, lim)
    pos = this.rawRun(pos, d, end)
    if (pos < end) return pos - x
    if (pos + 64 <= lim) {
      // Ascend over the stored levels (FIRST, FIRST + stride, …): the largest aligned block that fits.
      const grow = (j: number): number => {
        while (j + stride <= topStored && pos % 2 ** (j + stride) === 0 && pos + 2 ** (j + stride) <= lim) j += stride
        return j
      }
      let j = grow(LCP_TREE_FIRST_LEVEL)
      while (pos + 2 ** j <= lim && this.eq(j, pos, d)) {
        pos += 2 ** j
        j = grow(j)
      }
      // Descend: at each stored level below, the sub-blocks in order until one fails; the last of the
      // 2^stride is never tested.
      for (j -= stride; j >= LCP_TREE_FIRST_LEVEL; j -= stride) {
        for (let t = 1; t < 2 ** stride; t++) {
          if (pos + 2 ** j <= lim && this.eq(j, pos, d)) pos += 2 ** j
          else break
        }
      }
    }
    end = Math.min(pos + 64, lim)
    return this.rawRun(pos, d, end) - x
  }
}

interface Case {
  n: number
  k: number
  /** Level stride of the layout. */
  stride: number
  /** Interleaved layout (raw words with first-level words). */
  interleaved: boolean
  seed: string
  p: number
  /** Planted edit budget of the near records. */
  budget: number
}

/**
 * Builds a few records (near the query, unrelated) at offsets of one array, flips their cells, and
 * checks the oracle's LCE on random calls and its LV on every record. Returns the number of
 * mismatches and the reference's tree tests.
 */
function check(c: Case, lceCalls: number): { mismatches: string[]; treeTests: number } {
  const { n, k, stride, interleaved, seed, p, budget } = c
  const rng = dataRng(`lcp-query/${seed}`)
  const layout = lcpTreeLayout(n, stride, interleaved)
  const cellOf = lcpTreeCellOf(n, seed)
  const nibble = nibbleTableOf(cellOf)
  const query = randomString(n, rng)
  // Garbage in the query's padding bits: no path may read them.
  if ((n & 31) !== 0) query[query.length - 1] |= 0xffffffff >>> (n & 31)
  const clean = query.slice()
  if ((n & 31) !== 0) clean[clean.length - 1] &= -1 << (32 - (n & 31))
  const records = [
    clean,
    withPlantedEdits(clean, n, Math.min(budget, k), rng),
    withPlantedEdits(clean, n, budget, rng, true),
    withPlantedEdits(clean, n, k + 3, rng),
    randomString(n, rng),
  ]
  const wpr = layout.wordsPerRecord
  // One word before the first record and words between records, as in a store.
  const buffer = new Uint32Array(2 + records.length * (wpr + 1))
  const sketches = buffer.subarray(2)
  const offsets = records.map((_, r) => r * (wpr + 1))
  records.forEach((record, r) => {
    lcpTreeCleanSketch(layout, nibble, record, 0, sketches, offsets[r])
    flipCells(layout, sketches, offsets[r], p, rng)
    sketches[offsets[r] + wpr] = rng.uint32()
  })
  const oracle = lcpTreeOracle(n, k, seed, query, stride, interleaved)
  const reference = new ReferenceLce(layout, cellOf, sketches, query)
  const h = Math.floor(k / 2)
  const mismatches: string[] = []
  records.forEach((_, r) => {
    const off = offsets[r]
    reference.off = off
    const expected = landauVishkin(n, n, k, reference)
    const got = oracle.run(sketches, off)
    if (got !== expected) mismatches.push(`run: record ${r}, got ${got}, expected ${expected}`)
    // The generic loop over the oracle's own LCE agrees too (run uses the unchecked LCE and reused rows).
    oracle.sketch = sketches
    oracle.off = off
    const generic = landauVishkin(n, n, k, oracle)
    if (generic !== expected) mismatches.push(`generic LV over lce: record ${r}, got ${generic}, expected ${expected}`)
    for (let q = 0; q < lceCalls; q++) {
      const d = (rng.uint32() % (2 * h + 1)) - h
      // Mostly small diagonals and the start of a run of matches, where extensions are long.
      const dd = q % 3 === 0 ? d : q % 3 === 1 ? 0 : Math.sign(d)
      const lo = Math.max(0, -dd)
      const hi = Math.min(n, n - dd)
      if (hi < lo) continue
      const x = lo + (rng.uint32() % (hi - lo + 1))
      oracle.sketch = sketches
      oracle.off = off
      const a = oracle.lce(x, dd)
      const b = reference.lce(x, dd)
      if (a !== b) mismatches.push(`lce: record ${r}, x ${x}, d ${dd}, got ${a}, expected ${b}`)
    }
  })
  return { mismatches, treeTests: reference.treeTests }
}

t.test('random sizes, caps and noise: LCE and LV equal the reference', async (t) => {
  let treeTests = 0
  t.doesNotThrow(
    property(
      [
        fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constantFrom(63, 64, 65, 127, 128, 129, 191, 256, 1000, 1024, 1100)),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(0, 0.0005, 0.003, 0.02, 0.1),
        fc.integer({ min: 0, max: 40 }),
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
      ],
      (n, kRaw, p, budget, seed, stride, interleaved) => {
        const k = Math.min(kRaw, n)
        const result = check({ n, k, stride, interleaved, seed: `s${seed}`, p, budget }, 40)
        treeTests += result.treeTests
        if (result.mismatches.length > 0) throw new Error(result.mismatches.slice(0, 5).join('; '))
        return true
      },
      200,
    ),
    '200 cases, level strides 1 to 4, both layouts',
  )
  t.comment(`reference tree tests: ${treeTests}`)
  t.ok(treeTests > 10_000, 'the parity-word tests were exercised')
})

t.test('benchmark-sized strings (n = 4096 and 16384, k = 32) at several noise levels', async (t) => {
  let treeTests = 0
  for (const n of [4096, 16_384]) {
    for (const p of [0, 0.0003, 0.005, 0.05]) {
      for (const budget of [0, 5, 20, 32]) {
        for (const [stride, interleaved] of [[1, false], [4, true]] as const) {
          const result = check({ n, k: 32, stride, interleaved, seed: `big-${n}-${p}-${budget}`, p, budget }, 60)
          treeTests += result.treeTests
          t.same(result.mismatches, [], `n = ${n}, p = ${p}, budget ${budget}, stride ${stride}${interleaved ? ', interleaved' : ''}`)
        }
      }
    }
  }
  t.ok(treeTests > 10_000, `the parity-word tests were exercised (${treeTests})`)
})

t.test('k = 0 and strings shorter than a block', async (t) => {
  for (const n of [1, 2, 31, 32, 33, 63]) {
    for (const k of [0, 1, Math.min(n, 7)]) {
      const result = check({ n, k, stride: 1 + (n % 4), interleaved: n % 2 === 0, seed: `small-${n}-${k}`, p: 0.05, budget: 2 }, 30)
      t.same(result.mismatches, [], `n = ${n}, k = ${k}`)
    }
  }
  const words = wordsFor(100)
  t.throws(() => lcpTreeOracle(100, 4, 'seed', new Uint32Array(words - 1)), RangeError, 'short query rejected')
  // The prefix table covers |d| ≤ ⌊k/2⌋, the diagonals LV visits on equal lengths; others are refused.
  const oracle = lcpTreeOracle(100, 4, 'seed', new Uint32Array(words))
  oracle.sketch = new Uint32Array(lcpTreeLayout(100).wordsPerRecord)
  t.equal(oracle.lce(10, 2), 88, 'd = ⌊k/2⌋: all-zero record and query agree to the end of the diagonal (100 − 2)')
  t.throws(() => oracle.lce(10, 3), RangeError, 'd = ⌊k/2⌋ + 1 refused')
  t.throws(() => oracle.lce(10, -3), RangeError, 'd = −⌊k/2⌋ − 1 refused')
})
