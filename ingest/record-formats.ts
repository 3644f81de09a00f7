/**
 * Streaming parsers for every record-load format, shared by the HTTP upload routes and `dpdist load`.
 *
 * `parseRecordStream(source, {format, n, encoding, batchSize, batchBytes})` reads byte (or string)
 * chunks and yields batches of at most `batchSize` records and at most `batchBytes` bytes of records
 * (at least one record) `{id, bytes}`, where `bytes` are the canonical packed
 * bytes of the n-bit record (ceil(n/8) bytes, MSB-first, zero padding; see sketch/bits.ts) and
 * `id === null` means "number it by position". Memory stays bounded, whatever the input size, by one
 * line (or one JSON string) plus the records parsed from one input chunk while they wait to be
 * yielded, with one exception stated below (duplicate ids).
 *
 * Formats (records are counted from 0 in stream order; lines from 1; blank lines are skipped, CRLF
 * and a leading UTF-8 byte-order mark are accepted in every line format):
 * - `text`: one bit string per line in `encoding` (default binary), optionally `id<TAB>bits`;
 * - `csv`: `id,bits` per line, an optional first line `id,bits` (any case), fields optionally
 *   double-quoted with `""` for a quote inside;
 * - `ndjson`: one object per line `{"id"?: string | integer, "bits": string, "encoding"?: ...}`; a
 *   line's `encoding` overrides the option; any other key is an error;
 * - `packed`: concatenated records of exactly ceil(n/8) bytes each, no ids;
 * - `clkhash`: the JSON document `{"clks": ["<base64>", ...]}` written by anonlink's clkhash (other
 *   top-level keys are validated and ignored); it is read by an incremental JSON scanner, never
 *   parsed whole, and its records have no ids.
 * In `text` and `ndjson` either every record has an id or none has: a stream that mixes the two would
 * give position-numbered records ids that can collide with explicit ones.
 *
 * Errors: every problem throws {@link RecordFormatError} with a one-line message naming the record
 * (line number in line formats, record index otherwise, the id when known) and the problem, e.g.
 * `line 17 (record "p42"): expected 1024 bits, got 1020`. Messages never contain record bits: bit
 * parsing errors come from sketch/bits.ts, which never repeats its input, and an id or JSON key is
 * shown only when it does not look like a bit string (it parses as n bits, or is a long run of
 * base64 characters), because a swapped `bits<TAB>id` line would otherwise put bits into a message.
 *
 * Duplicate ids within one stream are detected with an open-addressing table of 96-bit id
 * fingerprints and the line where each was first seen (16 bytes per slot, 23–46 bytes per id, in a
 * typed array outside the JS heap, instead of a Map of strings, which would exhaust the heap at tens
 * of millions of ids and cannot exceed 2^24 entries). A false "duplicate" needs two distinct ids to
 * agree on all 96 bits of three independently keyed 32-bit hashes: about m²/2^97 for m ids, below
 * 10^-13 even at m = 10^8. Uniqueness across uploads is enforced by the database, not here.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { BitParseError, bytesFor, checkPackedBytes, parseBits, type Encoding } from '../sketch/bits.js'
import { fmix32 } from '../sketch/hash-tables.js'

export type LoadFormat = 'text' | 'csv' | 'ndjson' | 'packed' | 'clkhash'

export const LOAD_FORMATS: readonly LoadFormat[] = ['text', 'csv', 'ndjson', 'packed', 'clkhash']
const ENCODINGS: readonly Encoding[] = ['binary', 'hex', 'base64']

export function isLoadFormat(value: unknown): value is LoadFormat {
  return typeof value === 'string' && (LOAD_FORMATS as readonly string[]).includes(value)
}

export interface ParsedRecord {
  /** null: the record is numbered by its position later. */
  id: string | null
  /** Canonical packed bytes, ceil(n/8). `packed` records may be views of one shared ArrayBuffer. */
  bytes: Uint8Array
}

/**
 * A malformed record or stream. `recordIndex` is the 0-based index of the record being read (the
 * number of records accepted before the problem), `line` its 1-based line (null for `packed` and
 * for a `clkhash` document that lacks its "clks" array), `recordId` its id when known and safe to
 * show.
 */
export class RecordFormatError extends Error {
  constructor(
    message: string,
    readonly recordIndex: number,
    readonly line: number | null,
    readonly recordId: string | null,
  ) {
    super(message)
    this.name = 'RecordFormatError'
  }
}

export interface ParseOptions {
  format: LoadFormat
  /** Bits per record. */
  n: number
  /** Bit-string encoding of `text`, `csv` and `ndjson` (default binary); `clkhash` is always base64. */
  encoding?: Encoding
  /** Maximum records per yielded batch (default 4096). */
  batchSize?: number
  /**
   * Maximum bytes of records per yielded batch (default 8 MiB; a batch holds at least one record):
   * with long records a batch of 4096 would hold gigabytes.
   */
  batchBytes?: number
}

export const DEFAULT_BATCH_SIZE = 4096
export const DEFAULT_BATCH_BYTES = 8 * 2 ** 20
export const MAX_ID_LENGTH = 256

/**
 * Parses `source` incrementally and yields batches of at most `batchSize` records. Throws
 * RecordFormatError on the first malformed record; records already yielded are not retracted (the
 * caller stores batches in one transaction to make a load all-or-nothing).
 */
export async function* parseRecordStream(
  source: AsyncIterable<Uint8Array | string>,
  options: ParseOptions,
): AsyncGenerator<ParsedRecord[]> {
  const { format, n, encoding, batchSize, batchBytes } = checkOptions(options)
  const out = new BatchCollector(batchSize, batchBytes)
  const chunks = new ChunkBytes()
  let parser: ChunkParser
  switch (format) {
    case 'packed':
      parser = new PackedParser(n, out)
      break
    case 'clkhash':
      parser = new ClkhashScanner(n, out)
      break
    default: {
      const records = new RecordBuilder(n, out)
      const onLine =
        format === 'text'
          ? textLineHandler(records, encoding)
          : format === 'csv'
            ? csvLineHandler(records, encoding)
            : ndjsonLineHandler(records, encoding)
      parser = new LineReader(maxLineBytes(n), onLine, records)
    }
  }
  for await (const chunk of source) {
    const bytes = chunks.toBytes(chunk)
    if (bytes.length > 0) parser.feed(bytes)
    for (const batch of out.takeFull()) yield batch
  }
  const tail = chunks.flush()
  if (tail !== null) parser.feed(tail)
  parser.end()
  for (const batch of out.takeAll()) yield batch
}

function checkOptions(options: ParseOptions): Required<ParseOptions> {
  const { format, n } = options
  const encoding = options.encoding ?? 'binary'
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES
  if (!isLoadFormat(format)) throw new RangeError('unknown load format')
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('bit count n must be a positive integer')
  if (!ENCODINGS.includes(encoding)) throw new RangeError('unknown bit-string encoding')
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer')
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1) throw new RangeError('batchBytes must be a positive integer')
  return { format, n, encoding, batchSize, batchBytes }
}

/**
 * Longest accepted line: room for n bits written with six-byte JSON escapes, an id of 256 characters
 * escaped the same way, and generous whitespace. Without a limit a file with no newline would be
 * buffered whole.
 */
function maxLineBytes(n: number): number {
  return 8 * n + 65_536
}

// ---------------------------------------------------------------------------------------------
// Shared plumbing

interface ChunkParser {
  feed(chunk: Buffer): void
  end(): void
}

/** Groups records into batches of `size` records or `maxBytes` bytes of records, whichever comes first (the last one possibly smaller). */
class BatchCollector {
  #current: ParsedRecord[] = []
  #currentBytes = 0
  #full: ParsedRecord[][] = []
  count = 0

  constructor(
    readonly size: number,
    readonly maxBytes: number,
  ) {}

  push(record: ParsedRecord): void {
    this.#current.push(record)
    this.#currentBytes += record.bytes.length
    this.count++
    if (this.#current.length === this.size || this.#currentBytes >= this.maxBytes) {
      this.#full.push(this.#current)
      this.#current = []
      this.#currentBytes = 0
    }
  }

  takeFull(): ParsedRecord[][] {
    if (this.#full.length === 0) return []
    const full = this.#full
    this.#full = []
    return full
  }

  takeAll(): ParsedRecord[][] {
    const all = this.takeFull()
    if (this.#current.length > 0) all.push(this.#current)
    this.#current = []
    this.#currentBytes = 0
    return all
  }
}

/**
 * Chunks as Buffers without copying. A string chunk ending in the first half of a surrogate pair
 * keeps that half back for the next chunk, so a pair split between string chunks is not turned into
 * two replacement characters.
 */
class ChunkBytes {
  #highSurrogate = ''

  toBytes(chunk: Uint8Array | string): Buffer {
    if (typeof chunk === 'string') {
      let text = this.#highSurrogate + chunk
      this.#highSurrogate = ''
      const last = text.charCodeAt(text.length - 1)
      if (last >= 0xd800 && last <= 0xdbff) {
        this.#highSurrogate = text.slice(-1)
        text = text.slice(0, -1)
      }
      return Buffer.from(text, 'utf8')
    }
    if (!(chunk instanceof Uint8Array)) throw new TypeError('record stream chunks must be Uint8Array or string')
    const pending = this.flush()
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    return pending === null ? bytes : Buffer.concat([pending, bytes])
  }

  flush(): Buffer | null {
    if (this.#highSurrogate === '') return null
    const rest = Buffer.from(this.#highSurrogate, 'utf8')
    this.#highSurrogate = ''
    return rest
  }
}

/** Strings that may be repeated in an error message: short, printable, and not bit-like. */
function showable(value: string, n: number): boolean {
  if (value.length === 0 || value.length > MAX_ID_LENGTH || UNPRINTABLE.test(value)) return false
  if (value.length > 64 && BASE64ISH.test(value)) return false
  for (const encoding of ENCODINGS) {
    try {
      parseBits(value, encoding, n)
      return false
    } catch {
      // Not an n-bit string in this encoding.
    }
  }
  return true
}

const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u
const BASE64ISH = /^[A-Za-z0-9+/=_-]+$/

/** Position words for messages: `line 17 (record "p42")`, `line 9`, `record 3`. */
function where(line: number | null, index: number, shownId: string | null): string {
  const id = shownId === null ? '' : JSON.stringify(shownId)
  if (line !== null) return id === '' ? `line ${line}` : `line ${line} (record ${id})`
  return id === '' ? `record ${index}` : `record ${index} (${id})`
}

/**
 * Validates ids, enforces one id style per stream, detects duplicate ids, parses bits, and emits
 * records; raises every line-format error.
 */
class RecordBuilder {
  readonly #ids = new IdFingerprints()
  #withIds: boolean | null = null
  #firstLine = 0

  constructor(
    readonly n: number,
    readonly out: BatchCollector,
  ) {}

  get index(): number {
    return this.out.count
  }

  fail(detail: string, line: number | null, id: string | null = null): never {
    const shown = id !== null && showable(id, this.n) ? id : null
    throw new RecordFormatError(`${where(line, this.index, shown)}: ${detail}`, this.index, line, shown)
  }

  /** Checks an id's shape (1..256 printable characters, no tab); errors do not repeat the id. */
  checkId(id: string, line: number): void {
    if (id.length === 0) this.fail('empty id', line)
    if (id.length > MAX_ID_LENGTH) this.fail(`id longer than ${MAX_ID_LENGTH} characters`, line)
    if (UNPRINTABLE.test(id)) this.fail('id contains a control or unpaired surrogate character', line)
  }

  add(id: string | null, bits: string, encoding: Encoding, line: number): void {
    if (id !== null) this.checkId(id, line)
    const withId = id !== null
    if (this.#withIds === null) {
      this.#withIds = withId
      this.#firstLine = line
    } else if (this.#withIds !== withId) {
      this.fail(
        withId
          ? `record has an id but earlier records have none (line ${this.#firstLine})`
          : `record has no id but earlier records have ids (line ${this.#firstLine})`,
        line,
        id,
      )
    }
    let bytes: Uint8Array
    try {
      bytes = parseBits(bits, encoding, this.n)
    } catch (error) {
      if (error instanceof BitParseError) this.fail(error.message, line, id)
      throw error
    }
    if (id !== null) {
      const first = this.#ids.addOrFind(id, line)
      if (first !== 0) this.fail(`duplicate id, first seen on line ${first}`, line, id)
    }
    this.out.push({ id, bytes })
  }
}

// ---------------------------------------------------------------------------------------------
// Duplicate-id table

/** Lane constants of the three 32-bit hashes (murmur3 mixing with distinct multipliers and seeds). */
const LANE_C1 = [0xcc9e2d51, 0x85ebca77, 0x27d4eb2f]
const LANE_C2 = [0x1b873593, 0xc2b2ae3d, 0x165667b1]
const LANE_SEED = [0x9747b28c, 0x3c6ef372, 0xa54ff53a]


/**
 * Set of id fingerprints → first line: linear probing over 4-word slots (three hash words and the
 * line, 0 marking an empty slot), doubled at 70 % load, i.e. 23–46 bytes per id.
 */
class IdFingerprints {
  #mask = 1023
  #slots = new Uint32Array(4 * 1024)
  #size = 0
  readonly #h = new Uint32Array(3)

  /**
   * Returns 0 after recording a new id, or the first line of an id seen before (lines beyond
   * 2^32 − 1, which need a file of more than 4 G lines, are recorded as 2^32 − 1).
   */
  addOrFind(id: string, line: number): number {
    this.#hash(id)
    const [h0, h1, h2] = this.#h
    const slots = this.#slots
    let slot = h0 & this.#mask
    for (;;) {
      const k = 4 * slot
      const seen = slots[k + 3]
      if (seen === 0) break
      if (slots[k] === h0 && slots[k + 1] === h1 && slots[k + 2] === h2) return seen
      slot = (slot + 1) & this.#mask
    }
    const k = 4 * slot
    slots[k] = h0
    slots[k + 1] = h1
    slots[k + 2] = h2
    slots[k + 3] = Math.min(line, 0xffffffff)
    this.#size++
    if (this.#size * 10 > (this.#mask + 1) * 7) this.#grow()
    return 0
  }

  #grow(): void {
    const old = this.#slots
    const capacity = 2 * (this.#mask + 1)
    this.#mask = capacity - 1
    this.#slots = new Uint32Array(4 * capacity)
    for (let k = 0; k < old.length; k += 4) {
      if (old[k + 3] === 0) continue
      let slot = old[k] & this.#mask
      while (this.#slots[4 * slot + 3] !== 0) slot = (slot + 1) & this.#mask
      this.#slots.set(old.subarray(k, k + 4), 4 * slot)
    }
  }

  #hash(id: string): void {
    for (let lane = 0; lane < 3; lane++) {
      const c1 = LANE_C1[lane]
      const c2 = LANE_C2[lane]
      let h = LANE_SEED[lane]
      for (let i = 0; i < id.length; i++) {
        let k = Math.imul(id.charCodeAt(i), c1)
        k = (k << 15) | (k >>> 17)
        h ^= Math.imul(k, c2)
        h = (h << 13) | (h >>> 19)
        h = (Math.imul(h, 5) + 0xe6546b64) | 0
      }
      this.#h[lane] = fmix32(h ^ id.length)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Line formats

type LineHandler = (text: string, line: number) => void

/**
 * Splits chunks on byte 0x0A and hands each non-blank line (without CR, decoded as UTF-8) to the
 * handler. A line split across chunks is copied into a small carry list; lines wholly inside a chunk
 * are decoded straight from it, after one UTF-8 validation of the chunk's complete lines.
 */
class LineReader implements ChunkParser {
  #carry: Buffer[] = []
  #carryBytes = 0
  #line = 0

  constructor(
    readonly maxBytes: number,
    readonly onLine: LineHandler,
    readonly records: RecordBuilder,
  ) {}

  feed(chunk: Buffer): void {
    let newline = chunk.indexOf(0x0a)
    if (newline === -1) {
      this.#stash(chunk, 0)
      return
    }
    if (this.#carryBytes > 0) {
      this.#addCarry(chunk.subarray(0, newline))
      const joined = Buffer.concat(this.#carry, this.#carryBytes)
      this.#carry = []
      this.#carryBytes = 0
      this.#handleLine(joined, 0, joined.length, false)
    } else {
      this.#handleLine(chunk, 0, newline, false)
    }
    let start = newline + 1
    const lastNewline = chunk.lastIndexOf(0x0a)
    // One validation for all lines after the first: they start and end on line boundaries.
    const valid = lastNewline > newline ? isUtf8(chunk.subarray(start, lastNewline)) : true
    while ((newline = chunk.indexOf(0x0a, start)) !== -1) {
      this.#handleLine(chunk, start, newline, valid)
      start = newline + 1
    }
    if (start < chunk.length) this.#stash(chunk, start)
  }

  end(): void {
    if (this.#carryBytes === 0) return
    const joined = Buffer.concat(this.#carry, this.#carryBytes)
    this.#carry = []
    this.#carryBytes = 0
    this.#handleLine(joined, 0, joined.length, false)
  }

  #stash(chunk: Buffer, start: number): void {
    // Copied: a source may reuse its buffer once the next chunk is requested.
    this.#addCarry(Buffer.from(chunk.subarray(start)))
  }

  #addCarry(piece: Buffer): void {
    this.#carryBytes += piece.length
    if (this.#carryBytes > this.maxBytes + 1) this.#tooLong(this.#line + 1)
    if (piece.length > 0) this.#carry.push(piece)
  }

  #tooLong(line: number): never {
    this.records.fail(`line longer than ${this.maxBytes} bytes`, line)
  }

  #handleLine(buf: Buffer, start: number, end: number, knownValid: boolean): void {
    const line = ++this.#line
    if (end > start && buf[end - 1] === 0x0d) end--
    if (line === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
      start += 3
    }
    if (end === start) return
    const first = buf[start]
    if (first === 0x20 || first === 0x09) {
      let p = start + 1
      while (p < end && (buf[p] === 0x20 || buf[p] === 0x09)) p++
      if (p === end) return
    }
    if (end - start > this.maxBytes) this.#tooLong(line)
    if (!knownValid && !isUtf8(buf.subarray(start, end))) this.records.fail('invalid UTF-8', line)
    this.onLine(buf.toString('utf8', start, end), line)
  }
}

function textLineHandler(records: RecordBuilder, encoding: Encoding): LineHandler {
  return (text, line) => {
    const tab = text.indexOf('\t')
    if (tab === -1) {
      records.add(null, text, encoding, line)
      return
    }
    const id = text.slice(0, tab)
    const bits = text.slice(tab + 1)
    if (bits.includes('\t')) {
      records.checkId(id, line)
      records.fail('expected "bits" or "id<TAB>bits", found more than one tab', line, id)
    }
    records.add(id, bits, encoding, line)
  }
}

function csvLineHandler(records: RecordBuilder, encoding: Encoding): LineHandler {
  let headerLine = 0
  let sawData = false
  return (text, line) => {
    const fields = splitCsv(text, records, line)
    if (fields.length !== 2) records.fail(`expected 2 fields "id,bits", got ${fields.length}`, line)
    const [id, bits] = fields
    if (id.toLowerCase() === 'id' && bits.toLowerCase() === 'bits') {
      if (headerLine !== 0) records.fail(`duplicate header (first on line ${headerLine})`, line)
      if (sawData) records.fail('header after the first record', line)
      headerLine = line
      return
    }
    sawData = true
    records.add(id, bits, encoding, line)
  }
}

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
function splitCsv(text: string, records: RecordBuilder, line: number): string[] {
  if (!text.includes('"')) {
    const comma = text.indexOf(',')
    if (comma === -1) return [text]
    if (text.indexOf(',', comma + 1) === -1) return [text.slice(0, comma), text.slice(comma + 1)]
    return text.split(',')
  }
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = ''
      let from = i + 1
      for (;;) {
        const quote = text.indexOf('"', from)
        if (quote === -1) records.fail(`unterminated quoted field ${fields.length + 1}`, line)
        value += text.slice(from, quote)
        if (text.charCodeAt(quote + 1) === 0x22) {
          value += '"'
          from = quote + 2
          continue
        }
        i = quote + 1
        break
      }
      fields.push(value)
      if (i === text.length) return fields
      if (text.charCodeAt(i) !== 0x2c) records.fail(`unexpected character after quoted field ${fields.length}`, line)
      i++
    } else {
      const comma = text.indexOf(',', i)
      const value = text.slice(i, comma === -1 ? text.length : comma)
      if (value.includes('"')) records.fail(`quote inside unquoted field ${fields.length + 1}`, line)
      fields.push(value)
      if (comma === -1) return fields
      i = comma + 1
    }
    if (i === text.length) {
      fields.push('')
      return fields
    }
  }
}

const NDJSON_KEYS = new Set(['id', 'bits', 'encoding'])

function ndjsonLineHandler(records: RecordBuilder, defaultEncoding: Encoding): LineHandler {
  return (text, line) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      records.fail('invalid JSON', line)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      records.fail('expected a JSON object {"id", "bits"}', line)
    }
    const object = value as Record<string, unknown>
    for (const key of Object.keys(object)) {
      if (!NDJSON_KEYS.has(key)) {
        const named = key.length <= 64 && showable(key, records.n) ? ` ${JSON.stringify(key)}` : ''
        records.fail(`unknown key${named} (allowed: "id", "bits", "encoding")`, line)
      }
    }
    let id: string | null = null
    if (Object.hasOwn(object, 'id')) {
      const raw = object.id
      if (typeof raw === 'string') id = raw
      else if (typeof raw === 'number' && Number.isSafeInteger(raw)) id = String(raw)
      else if (typeof raw === 'number') records.fail('numeric "id" must be an integer below 2^53; send other ids as strings', line)
      else records.fail('"id" must be a string or an integer', line)
    }
    if (!Object.hasOwn(object, 'bits')) records.fail('missing "bits"', line, id)
    const bits = object.bits
    if (typeof bits !== 'string') records.fail('"bits" must be a string', line, id)
    let encoding = defaultEncoding
    if (Object.hasOwn(object, 'encoding')) {
      const raw = object.encoding
      if (typeof raw !== 'string' || !(ENCODINGS as readonly string[]).includes(raw)) {
        records.fail('"encoding" must be "binary", "hex" or "base64"', line, id)
      }
      encoding = raw as Encoding
    }
    records.add(id, bits, encoding, line)
  }
}

// ---------------------------------------------------------------------------------------------
// Packed records

/**
 * Fixed-size records. The whole records of each chunk are copied with one bulk copy (at most
 * PACKED_COPY_RECORDS records and PACKED_COPY_BYTES bytes at a time) and emitted as views of that
 * copy, so no record aliases the caller's buffer; a record split between chunks is assembled in a
 * small carry buffer.
 */
const PACKED_COPY_RECORDS = 4096
const PACKED_COPY_BYTES = 2 ** 20

class PackedParser implements ChunkParser {
  readonly #recordBytes: number
  readonly #carry: Uint8Array
  readonly #checkPadding: boolean
  #carryLength = 0

  constructor(
    readonly n: number,
    readonly out: BatchCollector,
  ) {
    this.#recordBytes = bytesFor(n)
    this.#carry = new Uint8Array(this.#recordBytes)
    this.#checkPadding = n % 8 !== 0
  }

  feed(chunk: Buffer): void {
    const size = this.#recordBytes
    let offset = 0
    if (this.#carryLength > 0) {
      const take = Math.min(size - this.#carryLength, chunk.length)
      this.#carry.set(chunk.subarray(0, take), this.#carryLength)
      this.#carryLength += take
      offset = take
      if (this.#carryLength < size) return
      this.#emit(this.#carry, 0, 1)
      this.#carryLength = 0
    }
    let whole = Math.floor((chunk.length - offset) / size)
    while (whole > 0) {
      const count = Math.min(whole, PACKED_COPY_RECORDS, Math.max(1, Math.floor(PACKED_COPY_BYTES / size)))
      this.#emit(chunk, offset, count)
      offset += count * size
      whole -= count
    }
    if (offset < chunk.length) {
      this.#carry.set(chunk.subarray(offset), 0)
      this.#carryLength = chunk.length - offset
    }
  }

  end(): void {
    if (this.#carryLength === 0) return
    const index = this.out.count
    throw new RecordFormatError(
      `packed input ends inside record ${index} (${this.#carryLength} of ${this.#recordBytes} bytes)`,
      index,
      null,
      null,
    )
  }

  /** Copies `count` whole records starting at `offset` and emits views of the copy. */
  #emit(source: Uint8Array, offset: number, count: number): void {
    const size = this.#recordBytes
    const copy = new Uint8Array(count * size)
    copy.set(source.subarray(offset, offset + count * size))
    for (let r = 0; r < count; r++) {
      const bytes = copy.subarray(r * size, (r + 1) * size)
      if (this.#checkPadding) {
        try {
          checkPackedBytes(bytes, this.n)
        } catch (error) {
          if (!(error instanceof BitParseError)) throw error
          const index = this.out.count
          throw new RecordFormatError(`record ${index}: ${error.message}`, index, null, null)
        }
      }
      this.out.push({ id: null, bytes })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// clkhash JSON

const enum Mode {
  /** A value must follow (after ':' or ',' in an array, or at the top). */
  Value,
  /** After '[': a value or ']'. */
  ArrayFirst,
  /** After '{': a key or '}'. */
  ObjectFirst,
  /** After ',' in an object: a key. */
  ObjectKey,
  Colon,
  /** After a value: ',' or the closing bracket (or the end, at the top). */
  AfterValue,
  InString,
  /** Inside a number or true/false/null. */
  InLiteral,
  /** After the top-level object: only whitespace. */
  Done,
}

const enum StringRole {
  /** A top-level key: collected (up to a cap) to recognise "clks". */
  Key,
  /** A key of a nested object: validated and discarded. */
  NestedKey,
  /** An element of the clks array: collected and parsed as base64. */
  Clk,
  /** Validated and discarded. */
  Skip,
}

const OBJECT = 0
const ARRAY = 1
const MAX_DEPTH = 256
const MAX_KEY_BYTES = 256
const MAX_LITERAL = 512
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/
const HEX_DIGIT = /^[0-9A-Fa-f]$/
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74])
const BOM = [0xef, 0xbb, 0xbf]

/**
 * An incremental JSON scanner that validates the whole document and extracts the strings of the
 * top-level "clks" array. State: a container stack, the expected token (`Mode`), and for strings and
 * literals a small buffer; only "clks" elements and top-level keys are collected, so memory is
 * bounded by one CLK plus the nesting depth.
 */
class ClkhashScanner implements ChunkParser {
  readonly #maxClkBytes: number
  #mode: Mode = Mode.Value
  readonly #stack: number[] = []
  #offset = 0
  #line = 1
  /** Top-level key whose value comes next (null when it is not one we care about). */
  #key: string | null = null
  #sawClks = false
  /** True while inside the top-level "clks" array (depth 2). */
  #inClks = false
  // String state.
  #role: StringRole = StringRole.Skip
  #pieces: Buffer[] = []
  #pieceBytes = 0
  #overflow = false
  #hasEscape = false
  /** 0: none; 1: after '\'; 2–5: hex digits of a \u escape still expected. */
  #escape = 0
  #clkLine = 0
  #literal = ''
  /** Bytes of a leading byte-order mark seen so far; -1 once the document has started. */
  #bomMatched = 0

  constructor(
    readonly n: number,
    readonly out: BatchCollector,
  ) {
    // Padded base64 length, times six in case every character is written as a \u escape.
    this.#maxClkBytes = 6 * 4 * Math.ceil(bytesFor(n) / 3) + 16
  }

  #syntax(detail: string): never {
    const index = this.out.count
    throw new RecordFormatError(
      `malformed clkhash JSON at byte ${this.#offset} (line ${this.#line}): ${detail}`,
      index,
      this.#line,
      null,
    )
  }

  #recordError(detail: string, line: number): never {
    const index = this.out.count
    throw new RecordFormatError(`record ${index}: ${detail}`, index, line, null)
  }

  feed(chunk: Buffer): void {
    const length = chunk.length
    let i = 0
    // A UTF-8 byte-order mark may precede the document (possibly split between chunks).
    while (this.#bomMatched >= 0 && i < length) {
      if (chunk[i] !== BOM[this.#bomMatched]) {
        if (this.#bomMatched > 0) this.#syntax('incomplete byte-order mark')
        this.#bomMatched = -1
        break
      }
      i++
      this.#offset++
      this.#bomMatched = this.#bomMatched === 2 ? -1 : this.#bomMatched + 1
    }
    while (i < length) {
      if (this.#mode === Mode.InString) {
        i = this.#scanString(chunk, i)
        continue
      }
      const b = chunk[i]
      if (this.#mode === Mode.InLiteral) {
        if (isLiteralByte(b)) {
          if (this.#literal.length >= MAX_LITERAL) this.#syntax('number or literal too long')
          this.#literal += String.fromCharCode(b)
          i++
          this.#offset++
          continue
        }
        this.#endLiteral()
        continue // reprocess b in AfterValue
      }
      if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) {
        if (b === 0x0a) this.#line++
        i++
        this.#offset++
        continue
      }
      this.#token(b)
      i++
      this.#offset++
    }
  }

  end(): void {
    if (this.#mode === Mode.InLiteral) this.#endLiteral()
    if (this.#mode !== Mode.Done) {
      if (this.#offset === 0) this.#syntax('empty input, expected {"clks": [...]}')
      this.#syntax('input ends before the JSON document is complete')
    }
    if (!this.#sawClks) {
      const index = this.out.count
      throw new RecordFormatError('clkhash JSON has no "clks" array', index, null, null)
    }
  }

  /** Handles one structural byte outside strings and literals. */
  #token(b: number): void {
    switch (this.#mode) {
      case Mode.Value:
      case Mode.ArrayFirst:
        if (b === 0x5d && this.#mode === Mode.ArrayFirst) return this.#close(ARRAY)
        if ((b === 0x5d || b === 0x7d) && this.#stack.length > 0) this.#syntax('expected a value (trailing comma?)')
        return this.#startValue(b)
      case Mode.ObjectFirst:
      case Mode.ObjectKey:
        if (b === 0x7d && this.#mode === Mode.ObjectFirst) return this.#close(OBJECT)
        if (b !== 0x22) this.#syntax(this.#mode === Mode.ObjectFirst ? 'expected a key or "}"' : 'expected a key')
        return this.#startString(this.#stack.length === 1 ? StringRole.Key : StringRole.NestedKey)
      case Mode.Colon:
        if (b !== 0x3a) this.#syntax('expected ":"')
        this.#mode = Mode.Value
        return
      case Mode.AfterValue: {
        const top = this.#stack[this.#stack.length - 1]
        if (b === 0x2c) {
          this.#mode = top === OBJECT ? Mode.ObjectKey : Mode.Value
          return
        }
        if (b === 0x7d && top === OBJECT) return this.#close(OBJECT)
        if (b === 0x5d && top === ARRAY) return this.#close(ARRAY)
        this.#syntax(top === OBJECT ? 'expected "," or "}"' : 'expected "," or "]"')
        break
      }
      case Mode.Done:
        this.#syntax('unexpected data after the JSON document')
        break
      /* c8 ignore next 2 */
      default:
        throw new Error('unreachable scanner state')
    }
  }

  #startValue(b: number): void {
    const depth = this.#stack.length
    if (depth === 0) {
      if (b !== 0x7b) this.#syntax('expected a JSON object {"clks": [...]}')
      return this.#open(OBJECT)
    }
    if (depth === 1 && this.#key === 'clks') {
      if (this.#sawClks) this.#syntax('duplicate "clks" key')
      this.#sawClks = true
      if (b !== 0x5b) this.#syntax('"clks" must be an array of base64 strings')
      this.#open(ARRAY)
      this.#inClks = true
      return
    }
    if (this.#inClks && depth === 2) {
      if (b !== 0x22) this.#recordError('expected a base64 string', this.#line)
      this.#clkLine = this.#line
      return this.#startString(StringRole.Clk)
    }
    if (b === 0x7b) return this.#open(OBJECT)
    if (b === 0x5b) return this.#open(ARRAY)
    if (b === 0x22) return this.#startString(StringRole.Skip)
    if (b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e) {
      this.#literal = String.fromCharCode(b)
      this.#mode = Mode.InLiteral
      return
    }
    this.#syntax('expected a value')
  }

  #open(kind: number): void {
    if (this.#stack.length >= MAX_DEPTH) this.#syntax(`nesting deeper than ${MAX_DEPTH}`)
    this.#stack.push(kind)
    this.#mode = kind === OBJECT ? Mode.ObjectFirst : Mode.ArrayFirst
  }

  #close(kind: number): void {
    this.#stack.pop()
    if (kind === ARRAY && this.#inClks && this.#stack.length === 1) this.#inClks = false
    this.#afterValue()
  }

  #afterValue(): void {
    if (this.#stack.length === 1) this.#key = null
    this.#mode = this.#stack.length === 0 ? Mode.Done : Mode.AfterValue
  }

  #endLiteral(): void {
    const text = this.#literal
    this.#literal = ''
    if (text !== 'true' && text !== 'false' && text !== 'null' && !NUMBER.test(text)) this.#syntax('invalid number or literal')
    this.#afterValue()
  }

  #startString(role: StringRole): void {
    this.#role = role
    this.#pieces = []
    this.#pieceBytes = 0
    this.#overflow = false
    this.#hasEscape = false
    this.#escape = 0
    this.#mode = Mode.InString
  }

  /** Scans string bytes from `start`; returns the index after the consumed bytes. */
  #scanString(chunk: Buffer, start: number): number {
    const length = chunk.length
    let i = start
    while (i < length) {
      const b = chunk[i]
      if (this.#escape === 1) {
        if (b === 0x75) this.#escape = 2
        else if (SIMPLE_ESCAPES.has(b)) this.#escape = 0
        else this.#syntaxAt(i - start, 'invalid escape in string')
      } else if (this.#escape > 1) {
        if (!HEX_DIGIT.test(String.fromCharCode(b))) this.#syntaxAt(i - start, 'invalid \\u escape in string')
        this.#escape = this.#escape === 5 ? 0 : this.#escape + 1
      } else if (b === 0x22) {
        this.#collect(chunk, start, i)
        this.#offset += i + 1 - start
        this.#endString()
        return i + 1
      } else if (b === 0x5c) {
        this.#escape = 1
        this.#hasEscape = true
      } else if (b < 0x20) {
        this.#syntaxAt(i - start, b === 0x0a ? 'line break inside a string' : 'control character inside a string')
      }
      i++
    }
    this.#collect(chunk, start, length)
    this.#offset += length - start
    return length
  }

  #syntaxAt(advance: number, detail: string): never {
    this.#offset += advance
    this.#syntax(detail)
  }

  #collect(chunk: Buffer, start: number, end: number): void {
    if (this.#role === StringRole.Skip || this.#role === StringRole.NestedKey || end === start || this.#overflow) return
    const cap = this.#role === StringRole.Key ? MAX_KEY_BYTES : this.#maxClkBytes
    if (this.#pieceBytes + (end - start) > cap) {
      if (this.#role === StringRole.Clk) this.#recordError(`string too long for ${this.n} bits`, this.#clkLine)
      this.#overflow = true
      this.#pieces = []
      return
    }
    // Copied: a source may reuse its buffer once the next chunk is requested.
    this.#pieces.push(Buffer.from(chunk.subarray(start, end)))
    this.#pieceBytes += end - start
  }

  /** Decoded string contents (escapes resolved), or null when the bytes are not valid UTF-8. */
  #decoded(): string | null {
    const raw = this.#pieces.length === 1 ? this.#pieces[0] : Buffer.concat(this.#pieces, this.#pieceBytes)
    this.#pieces = []
    if (!isUtf8(raw)) return null
    const text = raw.toString('utf8')
    // Escapes were validated while scanning, so this cannot throw.
    return this.#hasEscape ? (JSON.parse(`"${text}"`) as string) : text
  }

  #endString(): void {
    switch (this.#role) {
      case StringRole.Key:
        this.#key = this.#overflow ? null : this.#decoded()
        this.#mode = Mode.Colon
        return
      case StringRole.NestedKey:
        this.#mode = Mode.Colon
        return
      case StringRole.Clk: {
        const text = this.#decoded()
        if (text === null) this.#recordError('invalid UTF-8', this.#clkLine)
        let bytes: Uint8Array
        try {
          bytes = parseBits(text, 'base64', this.n)
        } catch (error) {
          if (error instanceof BitParseError) this.#recordError(error.message, this.#clkLine)
          throw error
        }
        this.out.push({ id: null, bytes })
        this.#afterValue()
        return
      }
      default:
        this.#afterValue()
    }
  }
}

function isLiteralByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x2b || b === 0x2d || b === 0x2e
  )
}
