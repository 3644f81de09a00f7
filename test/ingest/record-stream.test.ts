import t from 'tap'
import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { bytesFor, formatBits, type Encoding } from '../../sketch/bits.js'
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, RecordFormatError, type LoadFormat, type ParseOptions } from '../../ingest/index.js'
import { ENCODINGS, awkwardChunks, makeIds, parseAll, randomRecordBytes, sameRecords, serialize, type Rec } from './support.js'

// parseRecordStream over every format (ingest/index.ts): properties and option checks.

const idArb = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 12 })
  .filter((s) => !/[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\uFEFF]/u.test(s))

t.test('property: random valid records round trip in every format and encoding', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 200 }),
      fc.constantFrom<LoadFormat>('text', 'csv', 'ndjson', 'packed', 'clkhash'),
      fc.constantFrom<Encoding>(...ENCODINGS),
      fc.boolean(),
      fc.uniqueArray(idArb, { maxLength: 25 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 10 }),
      fc.record({ crlf: fc.boolean(), blankLines: fc.boolean(), header: fc.boolean(), trailingNewline: fc.boolean(), numericIds: fc.boolean(), perLineEncoding: fc.boolean(), indent: fc.constantFrom(undefined, 0, 3) }),
      fc.integer(),
      async (n, format, encoding, useIds, ids, chunkSizes, batchSize, style, seed) => {
        runs++
        const rng = seedrandom(String(seed))
        const withIds = format === 'csv' || (useIds && (format === 'text' || format === 'ndjson'))
        const recs: Rec[] = ids.map((id) => ({ id: withIds ? id : null, bytes: randomRecordBytes(n, rng) }))
        const input = serialize(format, recs, n, encoding, style)
        const chunks: Uint8Array[] = []
        for (let o = 0, k = 0; o < input.length; k++) {
          const size = chunkSizes[k % chunkSizes.length]
          chunks.push(input.subarray(o, o + size))
          o += size
        }
        const { records, batchSizes } = await parseAll(chunks, { format, n, encoding, batchSize })
        if (records.length !== recs.length) return false
        if (!batchSizes.every((s) => s >= 1 && s <= batchSize)) return false
        return records.every((r, i) => r.id === recs[i].id && Buffer.from(r.bytes).equals(Buffer.from(recs[i].bytes)))
      },
    ),
    { numRuns: 400, seed: 20240611 },
  )
  t.equal(runs, 400)
})

t.test('property: garbage never throws anything but RecordFormatError', async (t) => {
  const formats: LoadFormat[] = ['text', 'csv', 'ndjson', 'packed', 'clkhash']
  const fragments = ['{', '}', '[', ']', '"', ',', ':', '\\', '\\u12', 'clks', '"clks"', 'id', 'bits', '\t', '\n', '\r\n', '0101', 'ff', 'AQ==', 'null', '1e5', '-', '\uFEFF', 'é', '😀', '""', ' ']
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => Buffer.from(parts.join(''))),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
  )
  const outcomes = { ok: 0, formatError: 0 }
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...formats),
      fc.constantFrom<Encoding>(...ENCODINGS),
      fc.integer({ min: 1, max: 40 }),
      garbage,
      fc.integer({ min: 1, max: 17 }),
      async (format, encoding, n, input, chunkSize) => {
        const chunks: Uint8Array[] = []
        for (let o = 0; o < input.length; o += chunkSize) chunks.push(input.subarray(o, o + chunkSize))
        try {
          await parseAll(chunks, { format, n, encoding, batchSize: 3 })
          outcomes.ok++
          return true
        } catch (error) {
          if (!(error instanceof RecordFormatError)) return false
          outcomes.formatError++
          return !error.message.includes('\n') && error.message.length < 400
        }
      },
    ),
    { numRuns: 3000, seed: 7 },
  )
  t.ok(outcomes.formatError > 0 && outcomes.ok > 0, `both outcomes occur (${JSON.stringify(outcomes)})`)
})

t.test('property: a mutated valid input either parses or fails with RecordFormatError', async (t) => {
  const n = 24
  const rng = seedrandom('mutate')
  const recs = makeIds(8).map((id) => ({ id, bytes: randomRecordBytes(n, rng) }))
  const inputs = {
    text: serialize('text', recs, n, 'hex'),
    csv: serialize('csv', recs, n, 'base64', { header: true }),
    ndjson: serialize('ndjson', recs, n, 'binary'),
    packed: serialize('packed', recs, n, 'binary'),
    clkhash: serialize('clkhash', recs, n, 'base64', { indent: 1 }),
  }
  const encodings: Record<LoadFormat, Encoding> = { text: 'hex', csv: 'base64', ndjson: 'binary', packed: 'binary', clkhash: 'base64' }
  let failures = 0
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<LoadFormat>('text', 'csv', 'ndjson', 'packed', 'clkhash'),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }),
      async (format, edits) => {
        const bytes = Array.from(inputs[format])
        for (const [at, value, kind] of edits) {
          const p = at % (bytes.length + 1)
          if (kind === 'set' && p < bytes.length) bytes[p] = value
          else if (kind === 'insert') bytes.splice(p, 0, value)
          else bytes.splice(p, 1)
        }
        try {
          await parseAll([Uint8Array.from(bytes)], { format, n, encoding: encodings[format] })
          return true
        } catch (error) {
          failures++
          if (!(error instanceof RecordFormatError)) return false
          // The message never carries a recognisable piece of any record.
          for (const r of recs) for (const e of ENCODINGS) if (error.message.includes(formatBits(r.bytes, e, n))) return false
          return true
        }
      },
    ),
    { numRuns: 2000, seed: 99 },
  )
  t.ok(failures > 0, `mutations produced ${failures} format errors`)
})

t.test('options are checked', async (t) => {
  const bad: ParseOptions[] = [
    { format: 'xml' as LoadFormat, n: 8 },
    { format: 'text', n: 0 },
    { format: 'text', n: 1.5 },
    { format: 'text', n: 8, encoding: 'base32' as Encoding },
    { format: 'text', n: 8, batchSize: 0 },
  ]
  for (const options of bad) {
    await t.rejects(parseAll([''], options), RangeError, JSON.stringify(options))
  }
})

t.test('batches of long records are bounded by bytes, not only by count', async (t) => {
  const n = 2 ** 20 // 128 KiB a record
  const rng = seedrandom('long-records')
  const recs = Array.from({ length: 150 }, () => ({ id: null, bytes: randomRecordBytes(n, rng) }))
  for (const format of ['packed', 'text'] as const) {
    const input = serialize(format, recs, n, 'hex')
    const chunks = awkwardChunks(input, rng, 64 * 1024)
    const { records, batchSizes } = await parseAll(chunks, { format, n, encoding: 'hex' })
    sameRecords(t, records, recs, `${format}: long records`)
    const perBatch = DEFAULT_BATCH_BYTES / bytesFor(n)
    t.same(batchSizes, [perBatch, perBatch, 150 - 2 * perBatch], `${format}: batches of ${perBatch} records (${DEFAULT_BATCH_BYTES} bytes), not ${DEFAULT_BATCH_SIZE}`)
  }
  const { batchSizes } = await parseAll([serialize('packed', recs.slice(0, 3), n, 'binary')], { format: 'packed', n, batchBytes: 1 })
  t.same(batchSizes, [1, 1, 1], 'a batch holds at least one record, whatever the bound')
})
