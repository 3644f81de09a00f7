import t from 'tap'
import seedrandom from 'seedrandom'
import { bytesFor } from '../../sketch/bits.js'
import { parseRecordStream, type ParsedRecord } from '../../ingest/index.js'
import {
  awkwardChunks,
  badInputRecords,
  checkBadCases,
  fromChunks,
  makeIds,
  parseAll,
  parseMeasuringMemory,
  randomBlock,
  randomRecordBytes,
  repeat,
  sameRecords,
  serialize,
  type BadCase,
} from './support.js'

t.test('10 000 packed records round trip, chunk boundaries inside records', async (t) => {
  for (const n of [1024, 1021]) {
    const rng = seedrandom(`packed-${n}`)
    const recs = Array.from({ length: 10_000 }, () => ({ id: null, bytes: randomRecordBytes(n, rng) }))
    const input = serialize('packed', recs, n, 'binary')
    const chunks = awkwardChunks(input, rng, 300)
    t.ok(chunks.some((c) => c.length < bytesFor(n)), 'some chunks are shorter than a record')
    const { records, batchSizes } = await parseAll(chunks, { format: 'packed', n, batchSize: 4096 })
    sameRecords(t, records, recs, `packed n=${n}`)
    t.same(batchSizes, [4096, 4096, 1808])
  }
})

t.test('packed one-byte chunks', async (t) => {
  const n = 20
  const rng = seedrandom('tiny')
  const anonymous = makeIds(60).map(() => ({ id: null, bytes: randomRecordBytes(n, rng) }))
  const input = serialize('packed', anonymous, n, 'base64', { indent: 1 })
  const { records } = await parseAll(Array.from(input, (b) => Uint8Array.of(b)), { format: 'packed', n })
  sameRecords(t, records, anonymous, 'packed one-byte chunks')
})

t.test('empty packed input yields no batches', async (t) => {
  t.same((await parseAll([], { format: 'packed', n: 8 })).batchSizes, [], 'packed')
})

t.test('every bad packed input throws RecordFormatError naming the record, without the bits', async (t) => {
  const { n60, packed } = badInputRecords()
  const cases: BadCase[] = [
    // Non-zero padding bits.
    { name: 'packed non-zero padding', format: 'packed', n: n60, input: Buffer.concat([Buffer.alloc(8), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1])]), index: 1, line: null, message: /^record 1: non-zero padding bits after bit 59$/ },
    // Truncated packed data.
    { name: 'packed truncated', format: 'packed', input: packed.subarray(0, 8 * 3 + 5), index: 3, line: null, message: /^packed input ends inside record 3 \(5 of 8 bytes\)$/ },
  ]
  await checkBadCases(t, cases)
})

t.test('packed records already yielded stay valid while later batches are parsed', async (t) => {
  const n = 16
  const input = Buffer.from(Array.from({ length: 40 }, (_, i) => [i, 255 - i]).flat())
  const kept: ParsedRecord[] = []
  for await (const batch of parseRecordStream(fromChunks([input.subarray(0, 33), input.subarray(33)]), { format: 'packed', n, batchSize: 8 })) {
    kept.push(...batch)
  }
  t.same(
    kept.map((r) => Array.from(r.bytes)),
    Array.from({ length: 40 }, (_, i) => [i, 255 - i]),
  )
})

t.test('a source that reuses its buffer does not corrupt packed records', async (t) => {
  async function* reusing(data: Buffer): AsyncGenerator<Uint8Array> {
    const scratch = Buffer.alloc(5)
    for (let o = 0; o < data.length; o += 5) {
      scratch.fill(0x21)
      const k = data.copy(scratch, 0, o, o + 5)
      yield scratch.subarray(0, k)
    }
  }
  const packedOut: ParsedRecord[] = []
  for await (const batch of parseRecordStream(reusing(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), { format: 'packed', n: 16 })) {
    packedOut.push(...batch)
  }
  t.same(
    packedOut.map((r) => Array.from(r.bytes)),
    [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
      [11, 12],
    ],
  )
})

t.test('memory stays bounded on a large packed stream', async (t) => {
  // 64 MB of packed records, produced on the fly; the consumer drops each batch. After a forced
  // collection at several points, what the parser still holds must be a small constant: holding the
  // input (or the parsed records) would retain at least 64 MB.
  const n = 1024
  const block = randomBlock('big', 1 << 20)
  const { count, batches, worst } = await parseMeasuringMemory(repeat(block, 64), { format: 'packed', n })
  t.equal(count, 64 * 8192, 'packed: all records')
  t.ok(batches >= 60, 'packed: measured while parsing')
  t.ok(worst < 16 * 2 ** 20, `packed: at most ${(worst / 2 ** 20).toFixed(1)} MB retained while parsing 64 MB`)
})
