/**
 * Bit strings: text encodings, packed bytes, 32-bit words, popcount.
 *
 * Layout (shared by every sketch, the database and the wire formats):
 * - a string of n bits is stored as ceil(n/32) words of a Uint32Array, MSB-first: bit i is bit
 *   31 − (i mod 32) of word ⌊i/32⌋; bits after bit n − 1 in the last word ("padding") are zero;
 * - its packed bytes (canonical storage and `application/octet-stream` format) are ceil(n/8) bytes,
 *   bit i is bit 7 − (i mod 8) of byte ⌊i/8⌋, padding bits zero. Word w is bytes 4w..4w+3 read
 *   big-endian, so bytes → words is a plain big-endian assembly.
 *
 * Text encodings accepted by {@link parseBits}:
 * - `binary`: n characters '0'/'1', bit 0 first;
 * - `hex`: the packed bytes as 2·ceil(n/8) hex digits (either case in, lowercase out);
 * - `base64`: the packed bytes in standard base64 (RFC 4648 §4 alphabet `A–Z a–z 0–9 + /`), with
 *   or without `=` padding, no whitespace, no URL-safe alphabet, and zero trailing bits in the last
 *   character (the canonical encoding of those bytes).
 * Every problem raises {@link BitParseError} whose message states the problem (expected and actual
 * lengths, 0-based character position) and never repeats any part of the input, because the input is
 * private data.
 *
 * Parsing runs once per loaded record, so it reads characters with `charCodeAt` through small lookup
 * tables into a preallocated Uint8Array (no regular expressions, no string building).
 *
 * Popcount is the SWAR reduction (Hacker's Delight §5-1): 2-bit sums, 4-bit sums, byte sums, then a
 * multiply (or a byte-lane fold) to add the bytes.
 */
export type Encoding = 'binary' | 'hex' | 'base64'

/** Malformed bit-string input. The message never contains the input itself. */
export class BitParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BitParseError'
  }
}

/** Number of 32-bit words holding n bits. */
export function wordsFor(n: number): number {
  return Math.ceil(n / 32)
}

/** Number of bytes holding n bits. */
export function bytesFor(n: number): number {
  return Math.ceil(n / 8)
}

function assertBitCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('bit count must be a non-negative integer')
}

const INVALID = 0xff

/** Character code → hex digit value, INVALID elsewhere (codes < 128 only). */
const HEX_VALUE = new Uint8Array(128).fill(INVALID)
for (let d = 0; d < 10; d++) HEX_VALUE[48 + d] = d
for (let d = 0; d < 6; d++) {
  HEX_VALUE[65 + d] = 10 + d
  HEX_VALUE[97 + d] = 10 + d
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Character code → base64 sextet, INVALID elsewhere (codes < 128 only; '=' is handled apart). */
const B64_VALUE = new Uint8Array(128).fill(INVALID)
for (let v = 0; v < 64; v++) B64_VALUE[B64_ALPHABET.charCodeAt(v)] = v
/** Sextet → character code, and hex digit → lowercase character code (the formatters' output). */
const B64_CODE = Uint8Array.from(B64_ALPHABET, (c) => c.charCodeAt(0))
const HEX_CODE = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
/** Turns character codes into a string; every formatter writes ASCII only, which latin1 decodes exactly. */
const ASCII = new TextDecoder('latin1')

/**
 * Small outputs are carved out of shared slabs, as Buffer's pool does: V8 gives a typed array of more
 * than 64 bytes its own off-heap backing store, which costs more than parsing a 1024-bit record.
 * Results are therefore views (mind `byteOffset`/`byteLength` when touching `.buffer`).
 */
const SLAB_BYTES = 16_384
const POOLED_MAX_BYTES = 1_024
let slab = new ArrayBuffer(SLAB_BYTES)
let slabUsed = 0

function allocBytes(length: number): Uint8Array {
  if (length > POOLED_MAX_BYTES) return new Uint8Array(length)
  if (slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabUsed = 0
  }
  const view = new Uint8Array(slab, slabUsed, length)
  slabUsed = (slabUsed + length + 7) & ~7
  return view
}

function allocWords(length: number): Uint32Array {
  if (4 * length > POOLED_MAX_BYTES) return new Uint32Array(length)
  if (slabUsed + 4 * length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabUsed = 0
  }
  const view = new Uint32Array(slab, slabUsed, length)
  slabUsed = (slabUsed + 4 * length + 7) & ~7
  return view
}

const CHAR_0 = 48
const CHAR_EQ = 61

function invalidCharacter(position: number): BitParseError {
  return new BitParseError(`invalid character at position ${position}`)
}

/** Mask of the padding bits in the last byte of an n-bit string (0 when n is a multiple of 8). */
function lastBytePaddingMask(n: number): number {
  const used = n & 7
  return used === 0 ? 0 : 0xff >>> used
}

function paddingError(n: number): BitParseError {
  return new BitParseError(`non-zero padding bits after bit ${n - 1}`)
}

function parseBinary(text: string, n: number): Uint8Array {
  if (text.length !== n) throw new BitParseError(`expected ${n} bits, got ${text.length}`)
  const out = allocBytes(bytesFor(n))
  const fullBytes = n >>> 3
  let p = 0
  for (let i = 0; i < fullBytes; i++, p += 8) {
    const c0 = text.charCodeAt(p)
    const c1 = text.charCodeAt(p + 1)
    const c2 = text.charCodeAt(p + 2)
    const c3 = text.charCodeAt(p + 3)
    const c4 = text.charCodeAt(p + 4)
    const c5 = text.charCodeAt(p + 5)
    const c6 = text.charCodeAt(p + 6)
    const c7 = text.charCodeAt(p + 7)
    // '0' is 0x30 and '1' is 0x31. Ignoring bit 0, all eight codes equal 0x30 exactly when both
    // their OR and their AND do.
    const any = (c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) & ~1
    const all = c0 & c1 & c2 & c3 & c4 & c5 & c6 & c7 & ~1
    if ((any ^ CHAR_0) !== 0 || (all ^ CHAR_0) !== 0) throw firstNonBinary(text, p)
    out[i] =
      ((c0 & 1) << 7) | ((c1 & 1) << 6) | ((c2 & 1) << 5) | ((c3 & 1) << 4) |
      ((c4 & 1) << 3) | ((c5 & 1) << 2) | ((c6 & 1) << 1) | (c7 & 1)
  }
  if (p < n) {
    let v = 0
    for (let shift = 7; p < n; p++, shift--) {
      const c = text.charCodeAt(p)
      if ((c & ~1) !== CHAR_0) throw invalidCharacter(p)
      v |= (c & 1) << shift
    }
    out[fullBytes] = v
  }
  return out
}

function firstNonBinary(text: string, from: number): BitParseError {
  for (let p = from; p < text.length; p++) {
    if ((text.charCodeAt(p) & ~1) !== CHAR_0) return invalidCharacter(p)
  }
  /* c8 ignore next */
  return invalidCharacter(from)
}

function parseHex(text: string, n: number): Uint8Array {
  const nBytes = bytesFor(n)
  const expected = 2 * nBytes
  if (text.length !== expected) {
    throw new BitParseError(`expected ${expected} hex characters for ${n} bits, got ${text.length}`)
  }
  const out = allocBytes(nBytes)
  for (let i = 0, p = 0; i < nBytes; i++, p += 2) {
    const c0 = text.charCodeAt(p)
    const c1 = text.charCodeAt(p + 1)
    const hi = HEX_VALUE[c0 & 127]
    const lo = HEX_VALUE[c1 & 127]
    if ((hi | lo) > 15 || (c0 | c1) > 127) {
      throw invalidCharacter(hi > 15 || c0 > 127 ? p : p + 1)
    }
    out[i] = (hi << 4) | lo
  }
  if (nBytes > 0 && (out[nBytes - 1] & lastBytePaddingMask(n)) !== 0) throw paddingError(n)
  return out
}

/** Sextet value of the character at p, or throws. */
function sextetAt(text: string, p: number): number {
  const c = text.charCodeAt(p)
  const v = B64_VALUE[c & 127]
  if (v === INVALID || c > 127) throw invalidCharacter(p)
  return v
}

function parseBase64(text: string, n: number): Uint8Array {
  const nBytes = bytesFor(n)
  const fullGroups = Math.floor(nBytes / 3)
  const tailBytes = nBytes - 3 * fullGroups // 0, 1 or 2
  const unpaddedLength = 4 * fullGroups + (tailBytes === 0 ? 0 : tailBytes + 1)
  const paddedLength = 4 * Math.ceil(nBytes / 3)
  const length = text.length
  if (length !== unpaddedLength && length !== paddedLength) {
    const expectation =
      unpaddedLength === paddedLength ? `${paddedLength}` : `${paddedLength} (or ${unpaddedLength} without padding)`
    throw new BitParseError(`expected ${expectation} base64 characters for ${n} bits, got ${length}`)
  }
  const out = allocBytes(nBytes)
  let p = 0
  let o = 0
  for (let g = 0; g < fullGroups; g++, p += 4, o += 3) {
    const c0 = text.charCodeAt(p)
    const c1 = text.charCodeAt(p + 1)
    const c2 = text.charCodeAt(p + 2)
    const c3 = text.charCodeAt(p + 3)
    const v0 = B64_VALUE[c0 & 127]
    const v1 = B64_VALUE[c1 & 127]
    const v2 = B64_VALUE[c2 & 127]
    const v3 = B64_VALUE[c3 & 127]
    if ((v0 | v1 | v2 | v3) > 63 || (c0 | c1 | c2 | c3) > 127) {
      // Locate the first offending character of the group.
      sextetAt(text, p)
      sextetAt(text, p + 1)
      sextetAt(text, p + 2)
      throw invalidCharacter(p + 3)
    }
    const triple = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3
    out[o] = triple >>> 16
    out[o + 1] = (triple >>> 8) & 0xff
    out[o + 2] = triple & 0xff
  }
  if (tailBytes > 0) {
    const v0 = sextetAt(text, p)
    const v1 = sextetAt(text, p + 1)
    if (tailBytes === 1) {
      // 12 bits carried, 8 used: the low 4 bits of the second character must be zero.
      if ((v1 & 0x0f) !== 0) throw new BitParseError(`non-zero trailing bits in base64 character at position ${p + 1}`)
      out[o] = (v0 << 2) | (v1 >>> 4)
      if (length === paddedLength && (text.charCodeAt(p + 2) !== CHAR_EQ || text.charCodeAt(p + 3) !== CHAR_EQ)) {
        throw invalidCharacter(text.charCodeAt(p + 2) !== CHAR_EQ ? p + 2 : p + 3)
      }
    } else {
      const v2 = sextetAt(text, p + 2)
      // 18 bits carried, 16 used: the low 2 bits of the third character must be zero.
      if ((v2 & 0x03) !== 0) throw new BitParseError(`non-zero trailing bits in base64 character at position ${p + 2}`)
      out[o] = (v0 << 2) | (v1 >>> 4)
      out[o + 1] = ((v1 & 0x0f) << 4) | (v2 >>> 2)
      if (length === paddedLength && text.charCodeAt(p + 3) !== CHAR_EQ) throw invalidCharacter(p + 3)
    }
  }
  if (nBytes > 0 && (out[nBytes - 1] & lastBytePaddingMask(n)) !== 0) throw paddingError(n)
  return out
}

/**
 * Parses an n-bit string in the given encoding into its canonical packed bytes (ceil(n/8) bytes,
 * MSB-first, zero padding). Throws BitParseError on any malformed input. Results of up to 1 KiB are
 * views into a shared slab (never overlapping another result): honour `byteOffset`/`byteLength`,
 * and copy before transferring `.buffer` to another thread.
 */
export function parseBits(text: string, encoding: Encoding, n: number): Uint8Array {
  assertBitCount(n)
  if (typeof text !== 'string') throw new BitParseError('expected a string')
  switch (encoding) {
    case 'binary':
      return parseBinary(text, n)
    case 'hex':
      return parseHex(text, n)
    case 'base64':
      return parseBase64(text, n)
    default:
      throw new RangeError('unknown bit-string encoding')
  }
}

/** Formats canonical packed bytes of an n-bit string (validated first) in the given encoding. */
export function formatBits(bytes: Uint8Array, encoding: Encoding, n: number): string {
  checkPackedBytes(bytes, n)
  switch (encoding) {
    case 'binary': {
      const chars = new Uint8Array(n)
      for (let i = 0; i < n; i++) chars[i] = CHAR_0 | ((bytes[i >>> 3] >>> (7 - (i & 7))) & 1)
      return ASCII.decode(chars)
    }
    case 'hex':
      return formatHex(bytes)
    case 'base64':
      return formatBase64(bytes)
    default:
      throw new RangeError('unknown bit-string encoding')
  }
}

/** Lowercase hex of the bytes, two digits each. */
function formatHex(bytes: Uint8Array): string {
  const chars = new Uint8Array(2 * bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    chars[2 * i] = HEX_CODE[bytes[i] >>> 4]
    chars[2 * i + 1] = HEX_CODE[bytes[i] & 15]
  }
  return ASCII.decode(chars)
}

/** Standard base64 of the bytes (RFC 4648 §4), with `=` padding. */
function formatBase64(bytes: Uint8Array): string {
  const nBytes = bytes.length
  const chars = new Uint8Array(4 * Math.ceil(nBytes / 3))
  let o = 0
  let i = 0
  for (; i + 2 < nBytes; i += 3, o += 4) {
    const triple = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    chars[o] = B64_CODE[triple >>> 18]
    chars[o + 1] = B64_CODE[(triple >>> 12) & 63]
    chars[o + 2] = B64_CODE[(triple >>> 6) & 63]
    chars[o + 3] = B64_CODE[triple & 63]
  }
  if (i < nBytes) {
    // One or two bytes left: two or three characters, then padding.
    const pair = (bytes[i] << 8) | (i + 1 < nBytes ? bytes[i + 1] : 0)
    chars[o] = B64_CODE[pair >>> 10]
    chars[o + 1] = B64_CODE[(pair >>> 4) & 63]
    chars[o + 2] = i + 1 < nBytes ? B64_CODE[(pair << 2) & 63] : CHAR_EQ
    chars[o + 3] = CHAR_EQ
  }
  return ASCII.decode(chars)
}

/** Checks that `bytes` are the canonical packed form of an n-bit string: exact length, zero padding. */
export function checkPackedBytes(bytes: Uint8Array, n: number): void {
  assertBitCount(n)
  const nBytes = bytesFor(n)
  if (!(bytes instanceof Uint8Array)) throw new BitParseError('expected packed bytes')
  if (bytes.length !== nBytes) {
    throw new BitParseError(`expected ${nBytes} bytes for ${n} bits, got ${bytes.length}`)
  }
  if (nBytes > 0 && (bytes[nBytes - 1] & lastBytePaddingMask(n)) !== 0) throw paddingError(n)
}

/**
 * Converts canonical packed bytes (checked with {@link checkPackedBytes}) to ceil(n/32) words,
 * written to `out` at `outOffset` (a new array when `out` is omitted). Returns `out`.
 */
export function bytesToWords(bytes: Uint8Array, n: number, out?: Uint32Array, outOffset = 0): Uint32Array {
  checkPackedBytes(bytes, n)
  const nWords = wordsFor(n)
  const target = out ?? allocWords(nWords)
  if (!Number.isSafeInteger(outOffset) || outOffset < 0 || outOffset + nWords > target.length) {
    throw new RangeError('output array too short for the requested offset')
  }
  const nBytes = bytes.length
  const fullWords = nBytes >>> 2
  let b = 0
  for (let w = 0; w < fullWords; w++, b += 4) {
    target[outOffset + w] = (bytes[b] << 24) | (bytes[b + 1] << 16) | (bytes[b + 2] << 8) | bytes[b + 3]
  }
  if (fullWords < nWords) {
    let v = 0
    for (let shift = 24; b < nBytes; b++, shift -= 8) v |= bytes[b] << shift
    target[outOffset + fullWords] = v
  }
  return target
}

/**
 * Packed bytes of the n-bit string stored at `words[offset..]`. Padding bits of the input words are
 * ignored: the output always has zero padding.
 */
export function wordsToBytes(words: Uint32Array, n: number, offset = 0): Uint8Array {
  assertBitCount(n)
  const nWords = wordsFor(n)
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + nWords > words.length) {
    throw new RangeError('word array too short for the requested offset')
  }
  const nBytes = bytesFor(n)
  const out = allocBytes(nBytes)
  const fullWords = nBytes >>> 2
  let b = 0
  for (let w = 0; w < fullWords; w++, b += 4) {
    const v = words[offset + w]
    out[b] = v >>> 24
    out[b + 1] = v >>> 16
    out[b + 2] = v >>> 8
    out[b + 3] = v
  }
  if (fullWords < nWords) {
    const v = words[offset + fullWords]
    for (let shift = 24; b < nBytes; b++, shift -= 8) out[b] = v >>> shift
  }
  if (nBytes > 0) out[nBytes - 1] &= ~lastBytePaddingMask(n)
  return out
}

/** Bit i of the string stored at `words[offset..]` (no bounds check). */
export function getBit(words: Uint32Array, i: number, offset = 0): 0 | 1 {
  return ((words[offset + (i >>> 5)] >>> (31 - (i & 31))) & 1) as 0 | 1
}

/** Sets bit i of the string stored at `words[offset..]` (no bounds check). */
export function setBit(words: Uint32Array, i: number, value: 0 | 1, offset = 0): void {
  const index = offset + (i >>> 5)
  const mask = 1 << (31 - (i & 31))
  words[index] = value ? words[index] | mask : words[index] & ~mask
}

/**
 * The first n bits of the string at `words`, one per byte (0 or 1), into `out` (a new array of n
 * bytes when omitted; a longer one leaves its tail alone). For edits that move bits around.
 */
export function unpackBits(words: Uint32Array, n: number, out: Uint8Array = new Uint8Array(n)): Uint8Array {
  for (let i = 0; i < n; i++) out[i] = getBit(words, i)
  return out
}

/** The packed string (sketch/bits.ts layout, padding zero) of bits[0..n), one bit per byte. */
export function packBits(bits: Uint8Array, n: number): Uint32Array {
  const out = new Uint32Array(wordsFor(n))
  for (let i = 0; i < n; i++) if (bits[i] === 1) out[i >>> 5] |= 1 << (31 - (i & 31))
  return out
}

/** Number of set bits of a 32-bit word (SWAR). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/**
 * popcount(a[aOffset..+nWords) XOR b[bOffset..+nWords)): the Hamming distance of two packed strings.
 *
 * Two words share one 4-bit-lane stage (lanes ≤ 4 + 4 = 8), and the byte lanes (≤ 16 per pair) are
 * accumulated for 15 pairs (≤ 240 < 256) before one fold, which saves the per-word multiply.
 */
export function xorPopcount(a: Uint32Array, aOffset: number, b: Uint32Array, bOffset: number, nWords: number): number {
  let total = 0
  let acc = 0
  let pairs = 0
  let i = 0
  const evenEnd = nWords & ~1
  for (; i < evenEnd; i += 2) {
    let x = a[aOffset + i] ^ b[bOffset + i]
    let y = a[aOffset + i + 1] ^ b[bOffset + i + 1]
    x = x - ((x >>> 1) & 0x55555555)
    y = y - ((y >>> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333) + (y & 0x33333333) + ((y >>> 2) & 0x33333333)
    acc = (acc + (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f)) | 0
    if (++pairs === 15) {
      acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
      total += (acc + (acc >>> 16)) & 0xffff
      acc = 0
      pairs = 0
    }
  }
  acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff)
  total += (acc + (acc >>> 16)) & 0xffff
  if (i < nWords) {
    let x = a[aOffset + i] ^ b[bOffset + i]
    x = x - ((x >>> 1) & 0x55555555)
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
    x = (x + (x >>> 4)) & 0x0f0f0f0f
    total += Math.imul(x, 0x01010101) >>> 24
  }
  return total
}

/**
 * A uniformly random n-bit string (padding zero) from `next`, which must return uniform 32-bit
 * unsigned integers. For tests and benchmarks; privacy noise goes through a NoiseSource instead.
 */
export function randomBits(n: number, next: () => number): Uint32Array {
  assertBitCount(n)
  const nWords = wordsFor(n)
  const words = new Uint32Array(nWords)
  for (let w = 0; w < nWords; w++) words[w] = next() >>> 0
  const used = n & 31
  if (used !== 0) words[nWords - 1] &= 0xffffffff << (32 - used)
  return words
}
