import t from 'tap'
import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { bytesFor, formatBits, type Encoding } from '../../sketch/bits.js'
import {
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_SIZE,
  parseRecordStream,
  RecordFormatError,
  type LoadFormat,
  type ParsedRecord,
  type ParseOptions,
} from '../../ingest/index.js'

// ------------------------------------------------------------------------------------------------
// Helpers

interface Rec {
  id: string | null
  bytes: Uint8Array
}

const ENCODINGS: Encoding[] = ['binary', 'hex', 'base64']

async function* fromChunks(chunks: Iterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  for (const chunk of chunks) yield chunk
}

async function parseAll(
  chunks: Iterable<Uint8Array | string>,
  options: ParseOptions,
): Promise<{ records: ParsedRecord[]; batchSizes: number[] }> {
  const records: ParsedRecord[] = []
  const batchSizes: number[] = []
  for await (const batch of parseRecordStream(fromChunks(chunks), options)) {
    batchSizes.push(batch.length)
    for (const r of batch) records.push(r)
  }
  return { records, batchSizes }
}

/** The error a parse throws (fails the test when it does not throw). */
async function parseError(chunks: Iterable<Uint8Array | string>, options: ParseOptions): Promise<unknown> {
  try {
    await parseAll(chunks, options)
  } catch (error) {
    return error
  }
  throw new Error('expected the parse to fail')
}

/** Uniform random bytes of an n-bit record, padding bits zero. */
function randomRecordBytes(n: number, rng: seedrandom.PRNG): Uint8Array {
  const bytes = new Uint8Array(bytesFor(n))
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int32() & 0xff
  if (n % 8 !== 0) bytes[bytes.length - 1] &= 0xff << (8 - (n % 8))
  return bytes
}

function csvField(value: string): string {
  return /[",]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

interface Style {
  crlf?: boolean
  blankLines?: boolean
  header?: boolean
  trailingNewline?: boolean
  numericIds?: boolean
  perLineEncoding?: boolean
  indent?: number
}

/** Serialises records in a load format (the inverse of the parser, written independently). */
function serialize(format: LoadFormat, recs: Rec[], n: number, encoding: Encoding, style: Style = {}): Buffer {
  const eol = style.crlf ? '\r\n' : '\n'
  const lines: string[] = []
  switch (format) {
    case 'packed':
      return Buffer.concat(recs.map((r) => r.bytes))
    case 'clkhash': {
      const doc = {
        version: '2',
        meta: { note: 'x"y\\z ]}[{', nested: [1, -2.5e3, true, false, null, { a: [] }] },
        clks: recs.map((r) => formatBits(r.bytes, 'base64', n)),
        trailer: 'after',
      }
      return Buffer.from(JSON.stringify(doc, null, style.indent))
    }
    case 'text':
      for (const r of recs) lines.push((r.id === null ? '' : `${r.id}\t`) + formatBits(r.bytes, encoding, n))
      break
    case 'csv':
      if (style.header) lines.push('Id,BITS')
      for (const r of recs) lines.push(`${csvField(r.id ?? '')},${formatBits(r.bytes, encoding, n)}`)
      break
    case 'ndjson':
      recs.forEach((r, i) => {
        const lineEncoding = style.perLineEncoding ? ENCODINGS[i % 3] : encoding
        const object: Record<string, unknown> = { bits: formatBits(r.bytes, lineEncoding, n) }
        if (r.id !== null) object.id = style.numericIds && /^(0|[1-9][0-9]{0,14})$/.test(r.id) ? Number(r.id) : r.id
        if (style.perLineEncoding) object.encoding = lineEncoding
        lines.push(JSON.stringify(object))
      })
      break
  }
  let body = ''
  lines.forEach((line, i) => {
    if (style.blankLines && i % 5 === 2) body += `${eol}   ${eol}`
    body += line + (i < lines.length - 1 || style.trailingNewline ? eol : '')
  })
  return Buffer.from(body, 'utf8')
}

/** Splits a buffer into chunks of 1..maxChunk bytes (deterministic). */
function awkwardChunks(buf: Uint8Array, rng: seedrandom.PRNG, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < buf.length; ) {
    const size = 1 + Math.floor(rng() * maxChunk)
    chunks.push(buf.subarray(offset, offset + size))
    offset += size
  }
  return chunks
}

/** The assertions the helpers need (a subtest has them too). */
type Assert = Pick<typeof t, 'equal' | 'ok'>

function sameRecords(t: Assert, got: ParsedRecord[], want: Rec[], label: string): void {
  t.equal(got.length, want.length, `${label}: record count`)
  let mismatches = 0
  for (let i = 0; i < want.length; i++) {
    const g = got[i]
    if (g === undefined || g.id !== want[i].id || !Buffer.from(g.bytes).equals(Buffer.from(want[i].bytes))) mismatches++
  }
  t.equal(mismatches, 0, `${label}: every record equal (ids and bytes)`)
}

/** Every window of 12 characters of every bit string of the input, in every encoding. */
function assertNoBits(t: Assert, message: string, recs: Rec[], n: number, extra: string[] = []): void {
  const strings = [...extra]
  for (const r of recs) for (const e of ENCODINGS) strings.push(formatBits(r.bytes, e, n))
  const window = 12
  let leaked = 0
  for (const s of strings) {
    if (s.length < window) {
      if (s.length >= 6 && message.includes(s)) leaked++
      continue
    }
    for (let p = 0; p + window <= s.length; p++) {
      if (message.includes(s.slice(p, p + window))) {
        leaked++
        break
      }
    }
  }
  t.equal(leaked, 0, 'message repeats no bits')
}

function makeIds(count: number): string[] {
  const decorations = ['', 'é', '名前', '😀', ' x', 'a,b', 'q"q']
  return Array.from({ length: count }, (_, i) => `p${i}${decorations[i % decorations.length]}`)
}

// ------------------------------------------------------------------------------------------------
// Round trips of 10 000 records, chunked awkwardly

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

t.test('10 000 clkhash CLKs round trip, boundaries inside the JSON strings', async (t) => {
  const n = 1024
  const rng = seedrandom('clkhash')
  const recs = Array.from({ length: 10_000 }, () => ({ id: null, bytes: randomRecordBytes(n, rng) }))
  for (const indent of [undefined, 2]) {
    const input = serialize('clkhash', recs, n, 'base64', { indent })
    const chunks = awkwardChunks(input, rng, 120)
    const { records, batchSizes } = await parseAll(chunks, { format: 'clkhash', n, batchSize: 3000 })
    sameRecords(t, records, recs, `clkhash indent=${indent}`)
    t.same(batchSizes, [3000, 3000, 3000, 1000])
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
  const anonymous = recs.map((r) => ({ id: null, bytes: r.bytes }))
  for (const format of ['packed', 'clkhash'] as const) {
    const body = serialize(format, anonymous, n, 'base64', { indent: 1 })
    const input = format === 'clkhash' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body
    const { records } = await parseAll(Array.from(input, (b) => Uint8Array.of(b)), { format, n })
    sameRecords(t, records, anonymous, `${format} one-byte chunks`)
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

t.test('clkhash: escapes in strings and keys, "\\/" in base64, other keys of any type ignored', async (t) => {
  const n = 16
  // "\u0063lks" is "clks"; "\/" is "/" and "\u003d" is "=".
  const doc = ' {"a":{"clks":["not this one"]},"\\u0063lks":["\\/\\/8\\u003d","AAA="],"z":[[],{}]} \n'
  const { records } = await parseAll([doc], { format: 'clkhash', n })
  t.same(
    records.map((r) => Array.from(r.bytes)),
    [
      [0xff, 0xff],
      [0, 0],
    ],
  )
  const empty = await parseAll(['{"clks": []}'], { format: 'clkhash', n })
  t.same(empty.records, [])
})

t.test('empty inputs yield no batches', async (t) => {
  for (const format of ['text', 'csv', 'ndjson', 'packed'] as const) {
    const { batchSizes } = await parseAll(format === 'packed' ? [] : ['', '\n\n', '\r\n'], { format, n: 8 })
    t.same(batchSizes, [], format)
  }
  t.same((await parseAll(['id,bits\n'], { format: 'csv', n: 8 })).batchSizes, [], 'header only')
})

t.test('ids: numbers become decimal strings; ids are kept verbatim', async (t) => {
  const { records } = await parseAll(['{"id": 42, "bits": "ff"}\n{"id": -7, "bits": "00"}\n{"id": " x ", "bits": "0f"}\n'], {
    format: 'ndjson',
    n: 8,
    encoding: 'hex',
  })
  t.same(
    records.map((r) => r.id),
    ['42', '-7', ' x '],
  )
})

// ------------------------------------------------------------------------------------------------
// Bad inputs

interface BadCase {
  name: string
  format: LoadFormat
  n?: number
  encoding?: Encoding
  input: string | Uint8Array
  index: number
  line: number | null
  message: RegExp
  recordId?: string | null
}

t.test('every bad input throws RecordFormatError naming the record, without the bits', async (t) => {
  const n = 64
  const rng = seedrandom('bad')
  const recs = Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, bytes: randomRecordBytes(n, rng) }))
  const bin = recs.map((r) => formatBits(r.bytes, 'binary', n))
  const hex = recs.map((r) => formatBits(r.bytes, 'hex', n))
  const b64 = recs.map((r) => formatBits(r.bytes, 'base64', n))
  const n60 = 60 // 4 padding bits in the last byte
  const hex60 = formatBits(recs[0].bytes.slice(0, 8).map((b, i) => (i === 7 ? b & 0xf0 : b)), 'hex', n60)
  const packed = Buffer.concat(recs.map((r) => r.bytes))
  const cases: BadCase[] = [
    // Wrong length, reported with the line (blank lines counted) and the id.
    { name: 'text short', format: 'text', input: `${bin[0]}\n\n${bin[1].slice(1)}\n`, index: 1, line: 3, message: /^line 3: expected 64 bits, got 63$/ },
    { name: 'text long with id', format: 'text', input: `r0\t${bin[0]}\nr1\t${bin[1]}0\n`, index: 1, line: 2, message: /^line 2 \(record "r1"\): expected 64 bits, got 65$/, recordId: 'r1' },
    { name: 'hex wrong length', format: 'csv', encoding: 'hex', input: `r0,${hex[0]}ab\n`, index: 0, line: 1, message: /^line 1 \(record "r0"\): expected 16 hex characters for 64 bits, got 18$/ },
    // Bad characters.
    { name: 'binary bad char', format: 'text', input: `${bin[0].slice(0, 5)}2${bin[0].slice(6)}\n`, index: 0, line: 1, message: /^line 1: invalid character at position 5$/ },
    { name: 'hex bad char', format: 'text', encoding: 'hex', input: `r0\t${hex[0].slice(0, 15)}g\n`, index: 0, line: 1, message: /invalid character at position 15/ },
    { name: 'bad base64 char', format: 'csv', encoding: 'base64', input: `id,bits\nr0,${b64[0]}\nr1,!${b64[1].slice(1)}\n`, index: 1, line: 3, message: /^line 3 \(record "r1"\): invalid character at position 0$/ },
    { name: 'base64 non-canonical trailing bits', format: 'ndjson', encoding: 'base64', input: `{"id":"r0","bits":"${b64[0].slice(0, 10)}B="}\n`, index: 0, line: 1, message: /non-zero trailing bits/ },
    { name: 'hex non-zero padding', format: 'text', n: n60, encoding: 'hex', input: `${hex60.slice(0, 14)}f1\n`, index: 0, line: 1, message: /^line 1: non-zero padding bits after bit 59$/ },
    { name: 'packed non-zero padding', format: 'packed', n: n60, input: Buffer.concat([Buffer.alloc(8), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1])]), index: 1, line: null, message: /^record 1: non-zero padding bits after bit 59$/ },
    // Truncated packed data.
    { name: 'packed truncated', format: 'packed', input: packed.subarray(0, 8 * 3 + 5), index: 3, line: null, message: /^packed input ends inside record 3 \(5 of 8 bytes\)$/ },
    // NDJSON structure.
    { name: 'bad JSON line', format: 'ndjson', input: `{"id":"r0","bits":"${bin[0]}"}\n{"id":"r1","bits":"${bin[1]}"\n`, index: 1, line: 2, message: /^line 2: invalid JSON$/ },
    { name: 'JSON not an object', format: 'ndjson', input: `["${bin[0]}"]\n`, index: 0, line: 1, message: /^line 1: expected a JSON object/ },
    { name: 'unknown key', format: 'ndjson', input: `{"id":"r0","bits":"${bin[0]}","bitz":1}\n`, index: 0, line: 1, message: /^line 1: unknown key "bitz"/ },
    { name: 'unknown key that is bits', format: 'ndjson', input: `{"${bin[1]}":1,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /^line 1: unknown key \(allowed/ },
    { name: 'missing bits', format: 'ndjson', input: `{"id":"r0"}\n`, index: 0, line: 1, message: /^line 1 \(record "r0"\): missing "bits"$/ },
    { name: 'bits not a string', format: 'ndjson', input: `{"id":"r0","bits":101}\n`, index: 0, line: 1, message: /"bits" must be a string/ },
    { name: 'bad per-line encoding', format: 'ndjson', input: `{"bits":"${bin[0]}","encoding":"base32"}\n`, index: 0, line: 1, message: /"encoding" must be/ },
    { name: 'fractional numeric id', format: 'ndjson', input: `{"id":1.5,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /numeric "id" must be an integer/ },
    { name: 'unsafe numeric id', format: 'ndjson', input: `{"id":12345678901234567890,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /numeric "id" must be an integer/ },
    { name: 'null id', format: 'ndjson', input: `{"id":null,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /"id" must be a string or an integer/ },
    // Duplicate ids name the id and both lines.
    { name: 'duplicate id text', format: 'text', input: `r0\t${bin[0]}\nr1\t${bin[1]}\n\nr0\t${bin[2]}\n`, index: 2, line: 4, message: /^line 4 \(record "r0"\): duplicate id, first seen on line 1$/, recordId: 'r0' },
    { name: 'duplicate id csv quoted', format: 'csv', input: `"a,b",${bin[0]}\na,${bin[1]}\n"a,b",${bin[2]}\n`, index: 2, line: 3, message: /^line 3 \(record "a,b"\): duplicate id, first seen on line 1$/ },
    { name: 'duplicate numeric id ndjson', format: 'ndjson', input: `{"id":7,"bits":"${bin[0]}"}\n{"id":"7","bits":"${bin[1]}"}\n`, index: 1, line: 2, message: /duplicate id, first seen on line 1/ },
    // Empty and malformed ids.
    { name: 'empty id csv', format: 'csv', input: `r0,${bin[0]}\n,${bin[1]}\n`, index: 1, line: 2, message: /^line 2: empty id$/ },
    { name: 'empty id text', format: 'text', input: `\t${bin[0]}\n`, index: 0, line: 1, message: /^line 1: empty id$/ },
    { name: 'empty id ndjson', format: 'ndjson', input: `{"id":"","bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /^line 1: empty id$/ },
    { name: 'id too long', format: 'csv', input: `${'x'.repeat(257)},${bin[0]}\n`, index: 0, line: 1, message: /^line 1: id longer than 256 characters$/ },
    { name: 'control char in id', format: 'ndjson', input: `{"id":"a\\u0007b","bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /control/ },
    { name: 'two tabs', format: 'text', input: `r0\t${bin[0]}\tx\n`, index: 0, line: 1, message: /more than one tab/ },
    { name: 'mixed ids', format: 'text', input: `r0\t${bin[0]}\n${bin[1]}\n`, index: 1, line: 2, message: /no id but earlier records have ids \(line 1\)/ },
    { name: 'mixed ids ndjson', format: 'ndjson', input: `{"bits":"${bin[0]}"}\n{"id":"x","bits":"${bin[1]}"}\n`, index: 1, line: 2, message: /has an id but earlier records have none/ },
    // Swapped columns: the "id" is a bit string and must not be shown.
    { name: 'swapped bits and id', format: 'text', encoding: 'hex', input: `${hex[0]}\tr0\n`, index: 0, line: 1, message: /^line 1: expected 16 hex characters for 64 bits, got 2$/, recordId: null },
    // CSV structure.
    { name: 'duplicate header', format: 'csv', input: `id,bits\nr0,${bin[0]}\nID,Bits\n`, index: 1, line: 3, message: /^line 3: duplicate header/ },
    { name: 'late header', format: 'csv', input: `r0,${bin[0]}\nid,bits\n`, index: 1, line: 2, message: /^line 2: header after the first record$/ },
    { name: 'three fields', format: 'csv', input: `r0,${bin[0]},x\n`, index: 0, line: 1, message: /^line 1: expected 2 fields "id,bits", got 3$/ },
    { name: 'one field', format: 'csv', input: `${bin[0]}\n`, index: 0, line: 1, message: /^line 1: expected 2 fields "id,bits", got 1$/ },
    { name: 'unterminated quote', format: 'csv', input: `"r0,${bin[0]}\n`, index: 0, line: 1, message: /unterminated quoted field 1/ },
    { name: 'quote in unquoted field', format: 'csv', input: `r"0,${bin[0]}\n`, index: 0, line: 1, message: /quote inside unquoted field 1/ },
    { name: 'junk after quoted field', format: 'csv', input: `"r0"x,${bin[0]}\n`, index: 0, line: 1, message: /unexpected character after quoted field 1/ },
    // Encoding-level problems.
    { name: 'invalid UTF-8', format: 'text', input: Buffer.concat([Buffer.from(`r0\t${bin[0]}\nr`), Buffer.from([0xff]), Buffer.from(`\t${bin[1]}\n`)]), index: 1, line: 2, message: /^line 2: invalid UTF-8$/ },
    // clkhash JSON.
    { name: 'clkhash truncated', format: 'clkhash', input: `{"clks": ["${b64[0]}", "${b64[1].slice(0, 4)}`, index: 1, line: 1, message: /^malformed clkhash JSON at byte \d+ \(line 1\): input ends before the JSON document is complete$/ },
    { name: 'clkhash trailing comma', format: 'clkhash', input: `{"clks": ["${b64[0]}",]}`, index: 1, line: 1, message: /trailing comma/ },
    { name: 'clkhash number element', format: 'clkhash', input: `{"clks": ["${b64[0]}", 12]}`, index: 1, line: 1, message: /^record 1: expected a base64 string$/ },
    { name: 'clkhash bad base64', format: 'clkhash', input: `{"clks": [\n"${b64[0]}",\n"${b64[1].slice(0, 10)}"]}`, index: 1, line: 3, message: /^record 1: expected 12 \(or 11 without padding\) base64 characters for 64 bits, got 10$/ },
    { name: 'clkhash no clks', format: 'clkhash', input: `{"clk": ["${b64[0]}"]}`, index: 0, line: null, message: /no "clks" array/ },
    { name: 'clkhash clks not array', format: 'clkhash', input: `{"clks": "${b64[0]}"}`, index: 0, line: 1, message: /"clks" must be an array/ },
    { name: 'clkhash duplicate clks', format: 'clkhash', input: `{"clks": ["${b64[0]}"], "clks": []}`, index: 1, line: 1, message: /duplicate "clks" key/ },
    { name: 'clkhash top-level array', format: 'clkhash', input: `["${b64[0]}"]`, index: 0, line: 1, message: /expected a JSON object/ },
    { name: 'clkhash data after document', format: 'clkhash', input: `{"clks": []} {}`, index: 0, line: 1, message: /unexpected data after the JSON document/ },
    { name: 'clkhash bad escape', format: 'clkhash', input: `{"x": "\\q", "clks": []}`, index: 0, line: 1, message: /invalid escape/ },
    { name: 'clkhash bad literal', format: 'clkhash', input: `{"x": tru, "clks": []}`, index: 0, line: 1, message: /invalid number or literal/ },
    { name: 'clkhash missing colon', format: 'clkhash', input: `{"clks" ["${b64[0]}"]}`, index: 0, line: 1, message: /expected ":"/ },
    { name: 'clkhash raw newline in string', format: 'clkhash', input: `{"clks": ["${b64[0].slice(0, 4)}\n${b64[0].slice(4)}"]}`, index: 0, line: 1, message: /line break inside a string/ },
    { name: 'clkhash string too long', format: 'clkhash', input: `{"clks": ["${'A'.repeat(500)}"]}`, index: 0, line: 1, message: /^record 0: string too long for 64 bits$/ },
    { name: 'clkhash empty', format: 'clkhash', input: '', index: 0, line: 1, message: /empty input/ },
  ]
  const extra = [hex60]
  for (const c of cases) {
    const options: ParseOptions = { format: c.format, n: c.n ?? n, encoding: c.encoding }
    // Whole input, and again in 3-byte chunks: the same error either way.
    const whole = typeof c.input === 'string' ? Buffer.from(c.input) : c.input
    for (const chunks of [[whole], awkwardChunks(whole, seedrandom(c.name), 3)]) {
      const error = await parseError(chunks, options)
      if (!(error instanceof RecordFormatError)) {
        t.fail(`${c.name}: expected RecordFormatError, got ${String(error)}`)
        continue
      }
      t.match(error.message, c.message, `${c.name}: message`)
      t.equal(error.recordIndex, c.index, `${c.name}: recordIndex`)
      t.equal(error.line, c.line, `${c.name}: line`)
      if (c.recordId !== undefined) t.equal(error.recordId, c.recordId, `${c.name}: recordId`)
      t.notOk(error.message.includes('\n'), `${c.name}: one line`)
      assertNoBits(t, error.message, recs, n, extra)
    }
  }
})

t.test('duplicate ids are found after the id table has grown many times', async (t) => {
  const n = 8
  const lines = Array.from({ length: 50_000 }, (_, i) => `id-${i},${i % 2 ? 'ff' : '0f'}`)
  lines.push('id-12345,00')
  const error = await parseError([lines.join('\n')], { format: 'csv', n, encoding: 'hex' })
  t.ok(error instanceof RecordFormatError)
  t.equal((error as RecordFormatError).message, 'line 50001 (record "id-12345"): duplicate id, first seen on line 12346')
  t.equal((error as RecordFormatError).recordIndex, 50_000)
  t.equal((error as RecordFormatError).recordId, 'id-12345')
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

t.test('a source that reuses its buffer does not corrupt carried lines or records', async (t) => {
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

t.test('memory stays bounded on a large stream', async (t) => {
  // 64 MB of packed records and 64 MB of hex lines, produced on the fly; the consumer drops each
  // batch. After a forced collection at several points, what the parser still holds must be a small
  // constant: holding the input (or the parsed records) would retain at least 64 MB.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const n = 1024
  const rng = seedrandom('big')
  const block = Buffer.from(Array.from({ length: 1 << 20 }, () => rng.int32() & 0xff))
  const hexBlock = Buffer.from(
    Array.from({ length: 4000 }, (_, i) => block.subarray(i * 128, i * 128 + 128).toString('hex')).join('\n') + '\n',
  )
  async function* repeat(b: Buffer, times: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < times; i++) yield b
  }
  // Array-buffer memory is released by a background sweeper after a collection, so collect, yield
  // to let it run, and collect again before reading.
  const retained = async () => {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 5))
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  for (const [label, source, options, expected, megabytes] of [
    ['packed', repeat(block, 64), { format: 'packed', n } as ParseOptions, 64 * 8192, 64],
    ['hex text', repeat(hexBlock, 62), { format: 'text', n, encoding: 'hex' } as ParseOptions, 62 * 4000, 64],
  ] as const) {
    const before = await retained()
    let worst = 0
    let count = 0
    let batches = 0
    for await (const batch of parseRecordStream(source, options)) {
      count += batch.length
      if (++batches % 20 === 0) worst = Math.max(worst, (await retained()) - before)
    }
    t.equal(count, expected, `${label}: all records`)
    t.ok(batches >= 60, `${label}: measured while parsing`)
    t.ok(worst < 16 * 2 ** 20, `${label}: at most ${(worst / 2 ** 20).toFixed(1)} MB retained while parsing ${megabytes} MB`)
  }
})

// ------------------------------------------------------------------------------------------------
// Properties

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
