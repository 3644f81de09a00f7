import t from 'tap'
import seedrandom from 'seedrandom'
import type { Encoding } from '../../sketch/bits.js'
import { parseRecordStream, RecordFormatError, type LoadFormat, type ParsedRecord } from '../../ingest/index.js'
import {
  awkwardChunks,
  ENCODINGS,
  makeIds,
  parseAll,
  parseMeasuringMemory,
  randomBlock,
  randomRecordBytes,
  repeat,
  sameRecords,
  serialize,
  type Style,
} from './support.js'

// The line reader under text, csv and ndjson: chunk boundaries, blank lines, CRLF, byte-order
// mark, the line limit, bounded memory.

t.test('10 000 records round trip in every line format and encoding, awkward chunks', async (t) => {
  const n = 1000
  const rng = seedrandom('line-formats')
  const bytes = Array.from({ length: 10_000 }, () => randomRecordBytes(n, rng))
  const ids = makeIds(bytes.length)
  const cases: [LoadFormat, Encoding, boolean, Style][] = [
    ['text', 'binary', false, { trailingNewline: true }],
    ['text', 'hex', true, { crlf: true, blankLines: true }],
    ['text', 'base64', true, {}],
    ['csv', 'binary', true, { header: true, crlf: true }],
    ['csv', 'hex', true, { blankLines: true, trailingNewline: true }],
    ['csv', 'base64', true, { header: true }],
    ['ndjson', 'binary', false, { trailingNewline: true }],
    ['ndjson', 'hex', true, { numericIds: true, crlf: true }],
    ['ndjson', 'base64', true, { perLineEncoding: true, blankLines: true }],
  ]
  for (const [format, encoding, withIds, style] of cases) {
    const recs = bytes.map((b, i) => ({ id: withIds ? ids[i] : null, bytes: b }))
    const input = serialize(format, recs, n, encoding, style)
    const chunks = awkwardChunks(input, rng, 1500)
    const { records, batchSizes } = await parseAll(chunks, { format, n, encoding, batchSize: 999 })
    const label = `${format}/${encoding}`
    sameRecords(t, records, recs, label)
    t.ok(batchSizes.every((s) => s === 999 || s === batchSizes.at(-1)), `${label}: full batches of 999`)
    t.ok(batchSizes.every((s) => s <= 999 && s > 0), `${label}: batches within batchSize`)
  }
})

t.test('one-byte chunks: every boundary, including inside multi-byte characters and BOM', async (t) => {
  const n = 20
  const rng = seedrandom('tiny')
  const recs = makeIds(60).map((id) => ({ id, bytes: randomRecordBytes(n, rng) }))
  for (const format of ['text', 'csv', 'ndjson'] as const) {
    for (const encoding of ENCODINGS) {
      const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), serialize(format, recs, n, encoding, { crlf: true })])
      const chunks = Array.from(input, (b) => Uint8Array.of(b))
      const { records } = await parseAll(chunks, { format, n, encoding, batchSize: 7 })
      sameRecords(t, records, recs, `${format}/${encoding} one-byte chunks`)
    }
  }
})

t.test('string chunks, including a surrogate pair split between chunks', async (t) => {
  const n = 8
  const text = 'a😀b\t01010101\nc\t11110000\n'
  const split = text.indexOf('😀') + 1 // between the two halves of the pair
  const { records } = await parseAll([text.slice(0, split), text.slice(split)], { format: 'text', n })
  t.same(
    records.map((r) => [r.id, Array.from(r.bytes)]),
    [
      ['a😀b', [0x55]],
      ['c', [0xf0]],
    ],
  )
})

t.test('empty inputs yield no batches', async (t) => {
  for (const format of ['text', 'csv', 'ndjson'] as const) {
    const { batchSizes } = await parseAll(['', '\n\n', '\r\n'], { format, n: 8 })
    t.same(batchSizes, [], format)
  }
  t.same((await parseAll(['id,bits\n'], { format: 'csv', n: 8 })).batchSizes, [], 'header only')
})

t.test('a line without end is rejected once it exceeds the line limit, without reading further', async (t) => {
  const n = 16
  let chunksRead = 0
  async function* endless(): AsyncGenerator<Uint8Array> {
    const block = Buffer.alloc(64 * 1024, 0x30)
    for (;;) {
      chunksRead++
      yield block
    }
  }
  const generator = parseRecordStream(endless(), { format: 'text', n })
  const error = await generator.next().then(
    () => null,
    (e: unknown) => e,
  )
  t.ok(error instanceof RecordFormatError)
  t.match((error as Error).message, /^line 1: line longer than \d+ bytes$/)
  t.ok(chunksRead <= 3, `stopped after ${chunksRead} chunks`)
})

t.test('a source that reuses its buffer does not corrupt carried lines', async (t) => {
  const n = 8
  const text = Buffer.from('a\t01010101\nb\t11110000\nc\t00001111\n')
  async function* reusing(data: Buffer): AsyncGenerator<Uint8Array> {
    const scratch = Buffer.alloc(5)
    for (let o = 0; o < data.length; o += 5) {
      scratch.fill(0x21)
      const k = data.copy(scratch, 0, o, o + 5)
      yield scratch.subarray(0, k)
    }
  }
  const got: ParsedRecord[] = []
  for await (const batch of parseRecordStream(reusing(text), { format: 'text', n })) got.push(...batch)
  t.same(
    got.map((r) => [r.id, r.bytes[0]]),
    [
      ['a', 0x55],
      ['b', 0xf0],
      ['c', 0x0f],
    ],
  )
})

t.test('memory stays bounded on a large stream of lines', async (t) => {
  // 64 MB of hex lines, produced on the fly; the consumer drops each batch. After a forced
  // collection at several points, what the parser still holds must be a small constant: holding the
  // input (or the parsed records) would retain at least 64 MB.
  const n = 1024
  const block = randomBlock('big', 1 << 20)
  const hexBlock = Buffer.from(
    Array.from({ length: 4000 }, (_, i) => block.subarray(i * 128, i * 128 + 128).toString('hex')).join('\n') + '\n',
  )
  const { count, batches, worst } = await parseMeasuringMemory(repeat(hexBlock, 62), { format: 'text', n, encoding: 'hex' })
  t.equal(count, 62 * 4000, 'hex text: all records')
  t.ok(batches >= 60, 'hex text: measured while parsing')
  t.ok(worst < 16 * 2 ** 20, `hex text: at most ${(worst / 2 ** 20).toFixed(1)} MB retained while parsing 64 MB`)
})
