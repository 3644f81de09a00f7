import t from 'tap'
import fc from 'fast-check'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exactHammingScan } from '../../../sketch/exact/hamming.js'
import { nativeCountFilter, newCountFilter } from '../../../sketch/kernels/count-filter.js'
import { NATIVE_PATHS, type NativePath, nativeCountFilterModule } from '../../../sketch/kernels/native-count-filter.js'
import { allocateSketchMemory } from '../../../sketch/kernels/sketch-memory.js'
import { SeededNoiseSource } from '../../support/seeded-noise.js'
import { seededProperty } from '../../support/property.js'
import { sameHits, words } from '../../support/count-filters.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const linuxX64 = process.platform === 'linux' && process.arch === 'x64'

/** The definition: (base + index, count) of every record in [first, first + count) with count < cut, in order. */
function expectedHits(records: Uint32Array, first: number, count: number, w: number, query: Uint32Array, cut: number, base = 0): number[] {
  const counts = exactHammingScan(records.subarray(first * w, (first + count) * w), count, w, query)
  return Array.from(counts).flatMap((c, r) => (c < cut ? [base + r, c] : []))
}

/** The first `pairs` pairs of `hits` from `at`. */
function hitsOf(hits: Int32Array, at: number, pairs: number): number[] {
  return Array.from(hits.subarray(at, at + 2 * pairs))
}

/** A cut from nothing (0) through typical values to everything (2^32 − 1). */
function cutFrom(source: SeededNoiseSource, w: number): number {
  const kind = source.nextUint32() % 5
  return kind === 0 ? 0 : kind === 1 ? 2 ** 32 - 1 : kind === 2 ? 16 * w : source.nextUint32() % (32 * w + 2)
}

const native = nativeCountFilterModule()

/** Why a path's tests cannot run here, or false when they can. */
function skipPath(path: NativePath): string | false {
  if (native === null) return 'the native addon is not built'
  return native.paths[path] === undefined ? `this CPU cannot run the ${path} path (no ${path === 'avx512' ? 'AVX-512 VPOPCNTDQ' : path.toUpperCase()})` : false
}

/** The CPU flags Linux reports (empty elsewhere). */
function cpuFlags(): Set<string> {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'))
  return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? [])
}

t.test('the native filter is built and loaded on Linux x86-64 (the build script makes it)', { skip: !linuxX64 && 'the addon is optional elsewhere' }, async (t) => {
  t.ok(native !== null, 'build/Release/count_filter.node loads')
  t.ok(native !== null && NATIVE_PATHS.includes(native.path), `path in use: ${native?.path}`)
  t.ok(native?.paths.portable !== undefined, 'the portable path is always there')
})

t.test('the addon offers exactly the paths whose instructions this CPU has', { skip: (!linuxX64 || native === null) && 'needs the addon on Linux x86-64' }, async (t) => {
  const flags = cpuFlags()
  const expected = NATIVE_PATHS.filter((p) =>
    p === 'avx512' ? ['avx512f', 'avx512bw', 'avx512_vpopcntdq'].every((f) => flags.has(f)) : p === 'portable' || flags.has(p),
  )
  t.same(Object.keys(native!.paths), expected, `/proc/cpuinfo flags allow: ${expected.join(', ')}`)
  t.equal(native!.path, process.env.DPDIST_NATIVE_PATH || expected[0], 'the path in use is the fastest unless DPDIST_NATIVE_PATH names one')
})

for (const path of NATIVE_PATHS) {
  t.test(`${path}: one query gives exactly the definition's hits, and the portable path's`, { skip: skipPath(path) }, async (t) => {
    const { filter } = native!.paths[path]!
    const portable = native!.paths.portable!.filter
    const property = seededProperty(78)
    t.doesNotThrow(
      property(
        [fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 40, 48, 130), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 9 }), fc.integer()],
        (w, count, start, seed) => {
          const source = new SeededNoiseSource(seed)
          const records = words(source, (start + count) * w + (source.nextUint32() % 3))
          const query = words(source, w + (source.nextUint32() % 3))
          const hits = new Int32Array(2 * count + 2)
          const again = new Int32Array(2 * count + 2)
          for (let i = 0; i < 6; i++) {
            const cut = cutFrom(source, w)
            const base = source.nextUint32() % 1000
            const got = filter(records, start, count, w, query, cut, hits, base)
            const want = expectedHits(records, start, count, w, query, cut, base)
            if (got * 2 !== want.length || !want.every((x, j) => hits[j] === x)) return false
            if (portable(records, start, count, w, query, cut, again, base) !== got || hitsOf(again, 0, got).some((x, j) => hits[j] !== x)) return false
          }
          return true
        },
        300,
      ),
      'lengths around the 4-, 8-, 16- and 32-word loops and the 8-word chunks, blocks around the 8-record groups, every cut from nothing to everything, offsets and bases',
    )
  })

  t.test(`${path}: a batch gives each query the hits of its own filter call, across tiles`, { skip: skipPath(path) }, async (t) => {
    const { filterBatch } = native!.paths[path]!
    const property = seededProperty(79)
    t.doesNotThrow(
      property(
        [fc.constantFrom(1, 3, 4, 5, 8, 16, 17, 32, 40), fc.nat(), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer()],
        (w, size, jitter, queryCount, seed) => {
          const source = new SeededNoiseSource(seed)
          // blocks of a few records, or just under, at or past one or two tile edges
          const tile = native!.batchTile(w)
          const count = [size % 46, tile - jitter, tile + jitter, 2 * tile + jitter][size % 4]
          const first = source.nextUint32() % 5
          const records = words(source, (first + count) * w)
          const queries = words(source, queryCount * w)
          const cuts = Uint32Array.from({ length: queryCount }, () => cutFrom(source, w))
          const stride = 2 * count + 4
          const hits = new Int32Array(queryCount * stride)
          const hitCounts = new Uint32Array(queryCount)
          filterBatch(records, first, count, w, queries, queryCount, cuts, hits, stride, hitCounts)
          for (let q = 0; q < queryCount; q++) {
            const want = expectedHits(records, first, count, w, queries.subarray(q * w, q * w + w), cuts[q])
            if (hitCounts[q] * 2 !== want.length || !want.every((x, i) => hits[q * stride + i] === x)) return false
          }
          return true
        },
        200,
      ),
      '1..9 queries (the blocked kernels start at 4) with their own cuts, blocks within one tile and across tile edges, tails of fewer than 8 records',
    )
  })

  t.test(`${path}: the native CountFilter matches the WebAssembly one on a shared sketch memory, filter by filter and batch by batch`, { skip: skipPath(path) }, async (t) => {
    const source = new SeededNoiseSource(10)
    for (const w of [3, 4, 16, 19]) {
      const m = 5000
      const { data } = allocateSketchMemory(m * w)
      data.set(words(source, m * w))
      const queries = Array.from({ length: 5 }, () => words(source, w))
      t.ok(sameHits(nativeCountFilter(path)!, newCountFilter(), data, queries, w, m), `w=${w}: identical hits`)
    }
  })
}

t.test('stream reads exactly the words asked for and returns their XOR', { skip: native === null && 'addon not built' }, async (t) => {
  const source = new SeededNoiseSource(11)
  const data = words(source, 1000)
  for (const [first, count] of [[0, 0], [0, 1000], [3, 64], [5, 131], [999, 1], [17, 900]]) {
    const want = data.subarray(first, first + count).reduce((x, y) => (x ^ y) >>> 0, 0)
    t.equal(native!.stream(data, first, count), want, `words [${first}, ${first + count})`)
  }
  t.throws(() => native!.stream(data, 990, 11), RangeError, 'past the end')
  t.throws(() => native!.stream(new Float64Array(4) as unknown as Uint32Array, 0, 1), RangeError, 'not 32-bit words')
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
  t.throws(() => n.batchTile(0), RangeError, 'a tile of zero-word records')
  const filter = nativeCountFilter()!
  filter.setQueries([new Uint32Array(4)], 4, 8)
  t.throws(() => filter.loadBlock(records, 14, 3), RangeError, 'a block past the end of the records')
  t.throws(() => filter.loadBlock(new Uint32Array(64), 0, 9), RangeError, 'block larger than declared')
})

/** Loads the module in a fresh process with `env`; prints its path, "off", or the error's message. */
function loadWith(env: Record<string, string | undefined>): string {
  const script =
    "import('./sketch/kernels/native-count-filter.ts').then((m) => { try { const n = m.nativeCountFilterModule(); console.log(n === null ? 'off' : n.path) } catch (e) { console.log(e.message) } })"
  const childEnv = { ...process.env, DPDIST_NATIVE: undefined, DPDIST_NATIVE_PATH: undefined, ...env }
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: childEnv, encoding: 'utf8' }).trim()
}

t.test('DPDIST_NATIVE=0 turns the addon off (scans then use WebAssembly)', async (t) => {
  t.equal(loadWith({ DPDIST_NATIVE: '0' }), 'off')
  if (native !== null) t.equal(loadWith({ DPDIST_NATIVE: '1' }), Object.keys(native.paths)[0], 'and any other value leaves it on, on the fastest path')
})

t.test('DPDIST_NATIVE_PATH forces a path this CPU runs, and refuses the others', { skip: native === null && 'addon not built' }, async (t) => {
  for (const path of Object.keys(native!.paths)) t.equal(loadWith({ DPDIST_NATIVE_PATH: path }), path, `${path} forced`)
  t.equal(loadWith({ DPDIST_NATIVE_PATH: '' }), Object.keys(native!.paths)[0], 'empty: the fastest')
  t.match(loadWith({ DPDIST_NATIVE_PATH: 'sse2' }), /^DPDIST_NATIVE_PATH must be one of avx512, avx2, popcnt, portable$/, 'an unknown name')
  t.match(loadWith({ DPDIST_NATIVE_PATH: 'portable', DPDIST_NATIVE: '0' }), /not built or DPDIST_NATIVE=0/, 'a path with the addon switched off')
  const missing = NATIVE_PATHS.find((p) => native!.paths[p] === undefined)
  if (missing === undefined) t.comment('this CPU runs every path: "cannot run" is not reachable here')
  else t.match(loadWith({ DPDIST_NATIVE_PATH: missing }), /this CPU cannot run it/, `${missing}: not on this CPU`)
})

t.test('the server refuses a DPDIST_NATIVE_PATH it cannot honour: one line, exit 1, before it opens the database', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-native-path-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const serve = (env: Record<string, string>) => {
    const dbPath = join(dir, `${Object.values(env).join('-')}.db`)
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/server.ts'], {
      cwd: root,
      env: { ...process.env, DPDIST_NATIVE: undefined, DPDIST_NATIVE_PATH: undefined, PORT: '0', DPDIST_DB: dbPath, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    })
    return { status: run.status, stderr: run.stderr, created: existsSync(dbPath) }
  }
  const misspelt = serve({ DPDIST_NATIVE_PATH: 'avx3' })
  t.equal(misspelt.status, 1, 'a misspelt path: exit 1')
  t.match(misspelt.stderr, /^dpdist: invalid configuration: DPDIST_NATIVE_PATH: [^\n]+\n$/, 'one line naming the variable')
  t.notOk(misspelt.created, 'no database file')
  // reachable on every machine: a path named while the addon is switched off
  const off = serve({ DPDIST_NATIVE_PATH: 'portable', DPDIST_NATIVE: '0' })
  t.equal(off.status, 1, 'a path it cannot run: exit 1')
  t.match(off.stderr, /^dpdist: DPDIST_NATIVE_PATH=portable, but the native count filter is not built or DPDIST_NATIVE=0\n$/, 'one line')
  t.notOk(off.created, 'no database file')
})
