/**
 * Byte offsets and lines of a JSON stream that is tokenized slice by slice (clkhash.ts). Offsets
 * count from the first byte of the stream, a leading byte-order mark included (the tokenizer's own
 * offsets leave it out); lines count from 1.
 *
 * Only the slice being tokenized is read: a source may reuse a chunk's buffer once the next chunk is
 * requested, so nothing here looks at a slice after `finish`. Between slices the counts suffice: a
 * position before the current slice can only be the start of a token still open when the slice
 * began (a string, number or literal), and none of those holds a line break.
 */
import type { Buffer } from 'node:buffer'

const BOM = [0xef, 0xbb, 0xbf]

export class StreamPositions {
  /** Bytes of a leading byte-order mark matched so far; -1 when the stream has none. */
  #bomMatched = 0
  /** Bytes fed so far, the current slice included. */
  fed = 0
  /** The slice being tokenized, between `begin` and `finish`. */
  #slice: Buffer | null = null
  #sliceStart = 0
  /** Line breaks before the current (or last) slice, and in it once it is finished. */
  #linesBefore = 0
  #sliceLines = 0
  /** The token after the one ending at `#tailFor`, as found by `finish`: start and line, or -1. */
  #tailFor = NaN
  #tail = -1
  #tailLine = 0

  /** Looks for a leading byte-order mark (possibly split between chunks). */
  noteStart(chunk: Buffer): void {
    for (let i = 0; this.#bomMatched >= 0 && this.#bomMatched < 3 && i < chunk.length; i++) {
      this.#bomMatched = chunk[i] === BOM[this.#bomMatched] ? this.#bomMatched + 1 : -1
    }
  }

  /** Bytes of the leading byte-order mark, to add to the tokenizer's offsets. */
  get bom(): number {
    return this.#bomMatched === 3 ? 3 : 0
  }

  begin(slice: Buffer): void {
    this.#linesBefore += this.#sliceLines
    this.#sliceLines = 0
    this.#slice = slice
    this.#sliceStart = this.fed
    this.fed += slice.length
  }

  /** Ends the slice; `lastEnd` is the end of the last complete token (NaN when not known). */
  finish(lastEnd: number): void {
    const slice = this.#slice
    if (slice === null) return
    if (lastEnd !== this.#tailFor || this.#tail < 0) {
      this.#tailFor = lastEnd
      this.#tail = this.#firstTokenByte(slice, lastEnd)
      this.#tailLine = this.#tail < 0 ? 0 : this.lineAt(this.#tail)
    }
    this.#sliceLines = countLineBreaks(slice, slice.length)
    this.#slice = null
  }

  /** 1-based line of a position in the current slice or before it, or of the end of the input. */
  lineAt(at: number): number {
    const within = at - this.#sliceStart
    if (within <= 0) return this.#linesBefore + 1
    if (this.#slice !== null) return this.#linesBefore + 1 + countLineBreaks(this.#slice, within)
    return at === this.#tail ? this.#tailLine : this.#linesBefore + this.#sliceLines + 1
  }

  /** The byte at a position of the current slice. */
  byteAt(at: number): number | undefined {
    return this.#slice?.[at - this.#sliceStart]
  }

  /**
   * Start of the token after one that ends at `end`: the first byte from there that is not
   * whitespace. Null when that is not known (`end` is NaN, or the token starts beyond what was seen).
   */
  startAfter(end: number): number | null {
    if (end === this.#tailFor && this.#tail >= 0) return this.#tail
    if (this.#slice === null || Number.isNaN(end)) return null
    const start = this.#firstTokenByte(this.#slice, end)
    return start < 0 ? null : start
  }

  #firstTokenByte(slice: Buffer, end: number): number {
    if (Number.isNaN(end)) return -1
    let p = Math.max(end - this.#sliceStart, 0)
    while (p < slice.length && (slice[p] === 0x20 || slice[p] === 0x0a || slice[p] === 0x0d || slice[p] === 0x09)) p++
    return p < slice.length ? this.#sliceStart + p : -1
  }
}

/** Line breaks in bytes[0, end). */
function countLineBreaks(bytes: Buffer, end: number): number {
  let count = 0
  for (let p = bytes.indexOf(0x0a); p !== -1 && p < end; p = bytes.indexOf(0x0a, p + 1)) count++
  return count
}
