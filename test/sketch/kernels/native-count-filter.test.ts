import t from 'tap'
import fc from 'fast-check'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { exactHammingScan } from '../../../sketch/exact/hamming.js'
import { nativeCountFilter, newCountFilter } from '../../../sketch/kernels/count-filter.js'
import { nativeCountFilterModule } from '../../../sketch/kernels/native-count-filter.js'
import { allocateSketchMemory } from '../../../sketch/kernels/sketch-memory.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { seededProperty } from '../../support/property.js'
import { sameHits, words } from '../../support/count-filters.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** The definition: (base + index, count) of every record in [first, first + count) with count < cut, in order. */
function expectedHits(records: Uint32Array, first: number, count: number, w: number, query: Uint32Array, cut: number, base = 0): number[] {
  const counts = exactHammingScan(records.subarray(first * w, (first + count) * w), count, w, query)
  return Array.from(counts).flatMap((c, r) => (c < cut ? [base + r, c] : []))
}

const native = nativeCountFilterModule()

t.test('the native filter is built and loaded on Linux x86-64 (the build script makes it)', { skip: !(process.platform === 'linux' && process.arch === 'x64') && 'the addon is optional elsewhere' }, async (t) => {
  t.ok(native !== null, 'build/Release/count_filter.node loads')
  t.match(native?.path, /^(avx512-vpopcntdq|popcnt|portable)$/, `fastest path: ${native?.path}`)
})

t.test('native filters (fastest and portable paths) return exactly the records below the cut', { skip: native === null && 'addon not built' }, async (t) => {
  const property = seededProperty(78)
  t.doesNotThrow(
    property(
      [fc.constantFrom(1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 40), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 9 }), fc.integer(), fc.boolean()],
      (w, count, start, seed, portable) => {
        const source = new SeededNoiseSource(seed)
        const records = words(source, (start + count) * w + (source.nextUint32() % 3))
        const query = words(source, w + (source.nextUint32() % 3))
        const filter = portable ? native!.portableFilter : native!.filter
        const hits = new Int32Array(2 * count + 2)
        for (const cut of [0, 1, 16 * w, 32 * w, 32 * w + 1, 2 ** 32 - 1, source.nextUint32() % (32 * w + 2)]) {
          const base = source.nextUint32() % 1000
          const got = filter(records, start, count, w, query, cut, hits, base)
          const want = expectedHits(records, start, count, w, query, cut, base)
          if (got * 2 !== want.length || !want.every((x, i) => hits[i] === x)) return false
        }
        return true
      },
      300,
    ),
    'strides around the 16-word fast path and the 8-record groups, every cut from nothing to everything, offsets and bases',
  )
})

t.test('a batch gives each query the hits of its own filter call', { skip: native === null && 'addon not built' }, async (t) => {
  const property = seededProperty(79)
  t.doesNotThrow(
    property(
      [fc.constantFrom(1, 5, 16, 17, 40), fc.integer({ min: 0, max: 45 }), fc.integer({ min: 1, max: 6 }), fc.integer(), fc.boolean()],
      (w, count, queryCount, seed, portable) => {
        const source = new SeededNoiseSource(seed)
        const first = source.nextUint32() % 5
        const records = words(source, (first + count) * w)
        const queries = words(source, queryCount * w)
        const cuts = Uint32Array.from({ length: queryCount }, () => source.nextUint32() % (32 * w + 2))
        const stride = 2 * count + 4
        const hits = new Int32Array(queryCount * stride)
        const hitCounts = new Uint32Array(queryCount)
        ;(portable ? native!.portableFilterBatch : native!.filterBatch)(records, first, count, w, queries, queryCount, cuts, hits, stride, hitCounts)
        for (let q = 0; q < queryCount; q++) {
          const want = expectedHits(records, first, count, w, queries.subarray(q * w, q * w + w), cuts[q])
          if (hitCounts[q] * 2 !== want.length || !want.every((x, i) => hits[q * stride + i] === x)) return false
        }
        return true
      },
      300,
    ),
    'random strides, blocks with and without a tail of fewer than 8 records, 1..6 queries with their own cuts',
  )
})

t.test('the native CountFilter matches the WebAssembly one on a shared sketch memory, filter by filter and batch by batch', { skip: native === null && 'addon not built' }, async (t) => {
  const source = new SeededNoiseSource(10)
  for (const w of [3, 16, 19]) {
    const m = 5000
    const { data } = allocateSketchMemory(m * w)
    data.set(words(source, m * w))
    const queries = [words(source, w), words(source, w), words(source, w)]
    const same = sameHits(nativeCountFilter()!, newCountFilter(), data, queries, w, m)
    t.ok(same, `w=${w}: identical hits`)
  }
})

t.test('native argument checks: bad calls throw and read nothing', { skip: native === null && 'addon not built' }, async (t) => {
  const n = native!
  const records = new Uint32Array(64)
  const hits = new Int32Array(64)
  t.throws(() => n.filter(records, 0, 17, 4, new Uint32Array(4), 1, hits, 0), RangeError, 'records past the end')
  t.throws(() => n.filter(records, 15, 2, 4, new Uint32Array(4), 1, hits, 0), RangeError, 'a block that starts inside and ends outside')
  t.throws(() => n.filter(records, 0, 4, 4, new Uint32Array(3), 1, hits, 0), RangeError, 'query shorter than a record')
  t.throws(() => n.filter(records, 0, 16, 4, new Uint32Array(4), 1, new Int32Array(31), 0), RangeError, 'hits too short')
  t.throws(() => n.filter(records, 0, 4, 0, new Uint32Array(4), 1, hits, 0), RangeError, 'zero-word records')
  t.throws(() => n.filter(records, -1, 4, 4, new Uint32Array(4), 1, hits, 0), RangeError, 'negative first')
  t.throws(() => n.filter(records, 0.5, 4, 4, new Uint32Array(4), 1, hits, 0), RangeError, 'fractional first')
  t.throws(() => n.filter(new Float64Array(8) as unknown as Uint32Array, 0, 1, 4, new Uint32Array(4), 1, hits, 0), RangeError, 'not 32-bit words')
  t.throws(() => (n.filter as unknown as (...a: unknown[]) => number)(records, 0, 1), RangeError, 'too few arguments')
  t.throws(() => n.filterBatch(records, 0, 4, 4, new Uint32Array(8), 3, new Uint32Array(3), new Int32Array(30), 10, new Uint32Array(3)), RangeError, 'fewer queries than nq')
  t.throws(() => n.filterBatch(records, 0, 4, 4, new Uint32Array(12), 3, new Uint32Array(3), new Int32Array(29), 10, new Uint32Array(3)), RangeError, 'hits shorter than nq strides')
  t.throws(() => n.filterBatch(records, 0, 4, 4, new Uint32Array(12), 3, new Uint32Array(3), new Int32Array(30), 7, new Uint32Array(3)), RangeError, 'stride below two per record')
  const filter = nativeCountFilter()!
  filter.setQueries([new Uint32Array(4)], 4, 8)
  t.throws(() => filter.loadBlock(records, 14, 3), RangeError, 'a block past the end of the records')
  t.throws(() => filter.loadBlock(new Uint32Array(64), 0, 9), RangeError, 'block larger than declared')
})

t.test('DPDIST_NATIVE=0 turns the addon off (scans then use WebAssembly)', async (t) => {
  const script = "import('./sketch/kernels/native-count-filter.ts').then((m) => console.log(m.nativeCountFilterModule() === null ? 'off' : 'on'))"
  const run = (env: Record<string, string>) => execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' }).trim()
  t.equal(run({ DPDIST_NATIVE: '0' }), 'off')
  if (native !== null) t.equal(run({ DPDIST_NATIVE: '1' }), 'on', 'and any other value leaves it on')
})
