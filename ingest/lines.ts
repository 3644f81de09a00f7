/**
 * The line reader under the `text`, `csv` and `ndjson` formats. Lines are counted from 1; blank
 * lines (empty or only spaces and tabs) are skipped but counted; CRLF and a leading UTF-8 byte-order
 * mark are accepted. Memory stays bounded by one line: a line longer than {@link maxLineBytes} is an
 * error, so a file with no newline is never buffered whole.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import type { ChunkParser, RecordBuilder } from './records.js'

/** Handles one non-blank line (decoded, without its line break). */
export type LineHandler = (text: string, line: number) => void

/**
 * Longest accepted line: room for n bits written with six-byte JSON escapes, an id of 256 characters
 * escaped the same way, and generous whitespace.
 */
export function maxLineBytes(n: number): number {
  return 8 * n + 65_536
}

/**
 * Splits chunks on byte 0x0A and hands each non-blank line (without CR, decoded as UTF-8) to the
 * handler. A line split across chunks is copied into a small carry list; lines wholly inside a chunk
 * are decoded straight from it, after one UTF-8 validation of the chunk's complete lines.
 */
export class LineReader implements ChunkParser {
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
