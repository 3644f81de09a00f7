/**
 * Helpers of the ingest/ tests: an independent serialiser of every load format, awkward chunking,
 * record comparison, the check that a message repeats no bits, the table runner for bad inputs, and
 * a measure of retained memory.
 */
import type tap from 'tap'
import seedrandom from 'seedrandom'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { bytesFor, formatBits, type Encoding } from '../../sketch/bits.js'
import {
  parseRecordStream,
  RecordFormatError,
  type LoadFormat,
  type ParsedRecord,
  type ParseOptions,
} from '../../ingest/index.js'

export interface Rec {
  id: string | null
  bytes: Uint8Array
}

export const ENCODINGS: Encoding[] = ['binary', 'hex', 'base64']

export async function* fromChunks(chunks: Iterable<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  for (const chunk of chunks) yield chunk
}

export async function parseAll(
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
export async function parseError(chunks: Iterable<Uint8Array | string>, options: ParseOptions): Promise<unknown> {
  try {
    await parseAll(chunks, options)
  } catch (error) {
    return error
  }
  throw new Error('expected the parse to fail')
}

/** Uniform random bytes of an n-bit record, padding bits zero. */
export function randomRecordBytes(n: number, rng: seedrandom.PRNG): Uint8Array {
  const bytes = new Uint8Array(bytesFor(n))
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int32() & 0xff
  if (n % 8 !== 0) bytes[bytes.length - 1] &= 0xff << (8 - (n % 8))
  return bytes
}

function csvField(value: string): string {
  return /[",]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export interface Style {
  crlf?: boolean
  blankLines?: boolean
  header?: boolean
  trailingNewline?: boolean
  numericIds?: boolean
  perLineEncoding?: boolean
  indent?: number
}

/** Serialises records in a load format (the inverse of the parser, written independently). */
export function serialize(format: LoadFormat, recs: Rec[], n: number, encoding: Encoding, style: Style = {}): Buffer {
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
export function awkwardChunks(buf: Uint8Array, rng: seedrandom.PRNG, maxChunk: number): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < buf.length; ) {
    const size = 1 + Math.floor(rng() * maxChunk)
    chunks.push(buf.subarray(offset, offset + size))
    offset += size
  }
  return chunks
}

/** The assertions the helpers need (a subtest has them too). */
type Assert = Pick<typeof tap, 'equal' | 'ok'>

export function sameRecords(t: Assert, got: ParsedRecord[], want: Rec[], label: string): void {
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

export function makeIds(count: number): string[] {
  const decorations = ['', 'é', '名前', '😀', ' x', 'a,b', 'q"q']
  return Array.from({ length: count }, (_, i) => `p${i}${decorations[i % decorations.length]}`)
}

/** The records the bad-input tables are written from (n = 64), in the encodings they use. */
export function badInputRecords() {
  const n = 64
  const rng = seedrandom('bad')
  const recs = Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, bytes: randomRecordBytes(n, rng) }))
  const n60 = 60 // 4 padding bits in the last byte
  return {
    n,
    n60,
    recs,
    bin: recs.map((r) => formatBits(r.bytes, 'binary', n)),
    hex: recs.map((r) => formatBits(r.bytes, 'hex', n)),
    b64: recs.map((r) => formatBits(r.bytes, 'base64', n)),
    hex60: formatBits(recs[0].bytes.slice(0, 8).map((b, i) => (i === 7 ? b & 0xf0 : b)), 'hex', n60),
    packed: Buffer.concat(recs.map((r) => r.bytes)),
  }
}

export interface BadCase {
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

/**
 * Every case throws RecordFormatError with the expected message, record index, line (and id), in
 * one line, repeating no bits of `badInputRecords()` — for the whole input and again in 3-byte
 * chunks.
 */
export async function checkBadCases(t: Pick<typeof tap, 'equal' | 'ok' | 'match' | 'notOk' | 'fail'>, cases: BadCase[]): Promise<void> {
  const { n, recs, hex60 } = badInputRecords()
  const extra = [hex60]
  for (const c of cases) {
    const options: ParseOptions = { format: c.format, n: c.n ?? n, encoding: c.encoding }
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
}

/** `size` bytes from seedrandom(seed). */
export function randomBlock(seed: string, size: number): Buffer {
  const rng = seedrandom(seed)
  return Buffer.from(Array.from({ length: size }, () => rng.int32() & 0xff))
}

/** The same chunk `times` times, produced on demand. */
export async function* repeat(chunk: Uint8Array, times: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < times; i++) yield chunk
}

let gc: (() => void) | null = null

/**
 * Heap plus array-buffer bytes still reachable after a forced collection. Array-buffer memory is
 * released by a background sweeper after a collection, so collect, yield to let it run, and collect
 * again before reading.
 */
export async function retainedBytes(): Promise<number> {
  if (gc === null) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
  await new Promise((resolve) => setTimeout(resolve, 5))
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * Parses `source` dropping each batch (after `onBatch(records so far)`), measuring retained memory
 * every 20 batches; returns the record count, the batch count and the worst growth over the memory
 * before the parse.
 */
export async function parseMeasuringMemory(
  source: AsyncIterable<Uint8Array>,
  options: ParseOptions,
  onBatch: (count: number) => void = () => {},
): Promise<{ count: number; batches: number; worst: number }> {
  const before = await retainedBytes()
  let worst = 0
  let count = 0
  let batches = 0
  for await (const batch of parseRecordStream(source, options)) {
    count += batch.length
    onBatch(count)
    if (++batches % 20 === 0) worst = Math.max(worst, (await retainedBytes()) - before)
  }
  return { count, batches, worst }
}
