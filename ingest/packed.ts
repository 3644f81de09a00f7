/** `packed`: concatenated records of exactly ceil(n/8) bytes each, no ids. */
import type { Buffer } from 'node:buffer'
import { BitParseError, bytesFor, checkPackedBytes } from '../sketch/bits.js'
import { failRecord, RecordFormatError, type BatchCollector, type ChunkParser } from './records.js'

/**
 * Fixed-size records. The whole records of each chunk are copied with one bulk copy (at most
 * PACKED_COPY_RECORDS records and PACKED_COPY_BYTES bytes at a time) and emitted as views of that copy, so no record aliases the
 * caller's buffer; a record split between chunks is assembled in a small carry buffer.
 */
const PACKED_COPY_RECORDS = 4096
const PACKED_COPY_BYTES = 2 ** 20

export class PackedParser implements ChunkParser {
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
          failRecord(this.out, error.message, null)
        }
      }
      this.out.push({ id: null, bytes })
    }
  }
}
