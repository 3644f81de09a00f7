/**
 * The record formats dpdist reads (uploads over HTTP, `dpdist load`, linkage files): the public
 * surface of ingest/, and the one entry point, {@link parseRecordStream}.
 *
 * `parseRecordStream(source, {format, n, encoding, batchSize, batchBytes})` reads byte (or string) chunks and
 * yields batches of at most `batchSize` records and `batchBytes` bytes of records (at least one record) `{id, bytes}`, where `bytes` are the canonical packed
 * bytes of the n-bit record (ceil(n/8) bytes, MSB-first, zero padding; see sketch/bits.ts) and
 * `id === null` means "number it by position". Memory stays bounded, whatever the input size, by one
 * line (or one JSON token) plus the records parsed from one input chunk while they wait to be
 * yielded, and the duplicate-id table (records.ts).
 *
 * Formats (records are counted from 0 in stream order), one file each:
 * - `text` (text.ts), `csv` (csv.ts), `ndjson` (ndjson.ts): one record per line, read by lines.ts;
 * - `packed` (packed.ts): fixed-size binary records, no ids;
 * - `clkhash` (clkhash.ts): the JSON document `{"clks": ["<base64>", ...]}`, read as a stream.
 * Errors are {@link RecordFormatError}s naming the record; they never repeat record bits
 * (records.ts).
 */
import { Buffer } from 'node:buffer'
import type { Encoding } from '../sketch/bits.js'
import { ClkhashParser } from './clkhash.js'
import { csvLineHandler } from './csv.js'
import { LineReader, maxLineBytes } from './lines.js'
import { ndjsonLineHandler } from './ndjson.js'
import { PackedParser } from './packed.js'
import { BatchCollector, ENCODINGS, RecordBuilder, type ChunkParser, type ParsedRecord } from './records.js'
import { textLineHandler } from './text.js'

export { MAX_ID_LENGTH, RecordFormatError, type ParsedRecord } from './records.js'

export type LoadFormat = 'text' | 'csv' | 'ndjson' | 'packed' | 'clkhash'

export const LOAD_FORMATS: readonly LoadFormat[] = ['text', 'csv', 'ndjson', 'packed', 'clkhash']

export function isLoadFormat(value: unknown): value is LoadFormat {
  return typeof value === 'string' && (LOAD_FORMATS as readonly string[]).includes(value)
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
  const parser = parserFor(format, n, encoding, out)
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

function parserFor(format: LoadFormat, n: number, encoding: Encoding, out: BatchCollector): ChunkParser {
  if (format === 'packed') return new PackedParser(n, out)
  if (format === 'clkhash') return new ClkhashParser(n, out)
  const records = new RecordBuilder(n, out)
  const handler = format === 'text' ? textLineHandler : format === 'csv' ? csvLineHandler : ndjsonLineHandler
  return new LineReader(maxLineBytes(n), handler(records, encoding), records)
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
