import t from 'tap'
import fc from 'fast-check'
import {
  BitParseError,
  bytesFor,
  bytesToWords,
  checkPackedBytes,
  formatBits,
  getBit,
  packBits,
  parseBits,
  popcount32,
  randomBits,
  unpackBits,
  setBit,
  wordsFor,
  wordsToBytes,
  xorPopcount,
  type Encoding,
} from '../../sketch/bits.js'
import { SeededNoiseSource } from '../support/seeded-noise.js'
import { seededProperty } from '../support/property.js'

const SEED = 20_241_108
const ENCODINGS: Encoding[] = ['binary', 'hex', 'base64']
const EDGE_LENGTHS = [
  1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1020, 1021, 1023, 1024, 1025, 2048, 2049,
  3000,
]

const property = seededProperty(SEED)

/** Random canonical packed bytes of an n-bit string: (n, bytes) with zero padding. */
const packedArb = (minBits: number, maxBits: number) =>
  fc.integer({ min: minBits, max: maxBits }).chain((n) =>
    fc
      .uint8Array({ minLength: bytesFor(n), maxLength: bytesFor(n) })
      .map((bytes) => {
        if (n & 7) bytes[bytes.length - 1] &= (0xff << (8 - (n & 7))) & 0xff
        return [n, bytes] as [number, Uint8Array]
      }),
  )

// ---- independent reference encoders (string building, no Buffer) ----

function naiveBinary(bytes: Uint8Array, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += (bytes[i >> 3] >> (7 - (i % 8))) & 1 ? '1' : '0'
  return s
}

function naiveHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function naiveBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i
    const v = (bytes[i] << 16) | ((rest > 1 ? bytes[i + 1] : 0) << 8) | (rest > 2 ? bytes[i + 2] : 0)
    s += B64[(v >> 18) & 63] + B64[(v >> 12) & 63]
    s += rest > 1 ? B64[(v >> 6) & 63] : '='
    s += rest > 2 ? B64[v & 63] : '='
  }
  return s
}

function naiveEncode(bytes: Uint8Array, encoding: Encoding, n: number): string {
  return encoding === 'binary' ? naiveBinary(bytes, n) : encoding === 'hex' ? naiveHex(bytes) : naiveBase64(bytes)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The BitParseError thrown by f, or undefined if f returns; any other error propagates. */
function parseErrorOf(f: () => unknown): BitParseError | undefined {
  try {
    f()
  } catch (error) {
    if (error instanceof BitParseError) return error
    throw error
  }
  return undefined
}

/** True when `message` repeats no 12-character window of `input` (and not the input itself). */
function echoFree(message: string, input: string): boolean {
  if (input.length > 0 && message.includes(input)) return false
  for (let i = 0; i + 12 <= input.length; i++) if (message.includes(input.slice(i, i + 12))) return false
  return true
}

t.test('wordsFor and bytesFor', async (t) => {
  t.same([0, 1, 31, 32, 33, 64, 65].map(wordsFor), [0, 1, 1, 1, 2, 2, 3])
  t.same([0, 1, 7, 8, 9, 1024, 1025].map(bytesFor), [0, 1, 1, 1, 2, 128, 129])
})

t.test('formatBits matches independent encoders and parseBits inverts it', async (t) => {
  for (const encoding of ENCODINGS) {
    t.doesNotThrow(
      property([packedArb(1, 3000)], ([n, bytes]) => {
        const text = formatBits(bytes, encoding, n)
        return text === naiveEncode(bytes, encoding, n) && sameBytes(parseBits(text, encoding, n), bytes)
      }),
      `${encoding} round trip, random n in 1..3000`,
    )
  }
  const source = new SeededNoiseSource('bits-edge')
  for (const n of [0, ...EDGE_LENGTHS]) {
    const bytes = wordsToBytes(randomBits(n, () => source.nextUint32()), n)
    for (const encoding of ENCODINGS) {
      const text = formatBits(bytes, encoding, n)
      t.equal(text, naiveEncode(bytes, encoding, n), `${encoding} format, n = ${n}`)
      t.same(parseBits(text, encoding, n), bytes, `${encoding} parse, n = ${n}`)
    }
  }
})

t.test('encoding details: lengths, hex case, base64 with and without padding', async (t) => {
  t.doesNotThrow(
    property([packedArb(1, 3000)], ([n, bytes]) => {
      const hex = formatBits(bytes, 'hex', n)
      return (
        hex.length === 2 * bytesFor(n) &&
        /^[0-9a-f]*$/.test(hex) &&
        sameBytes(parseBits(hex.toUpperCase(), 'hex', n), bytes)
      )
    }),
    'hex output is lowercase, 2·ceil(n/8) characters; uppercase parses the same',
  )
  t.doesNotThrow(
    property([packedArb(1, 3000)], ([n, bytes]) => {
      const padded = formatBits(bytes, 'base64', n)
      const unpadded = padded.replace(/=+$/, '')
      return padded.length % 4 === 0 && sameBytes(parseBits(unpadded, 'base64', n), bytes)
    }),
    'base64 parses with and without = padding',
  )
  t.doesNotThrow(
    property([packedArb(1, 3000)], ([n, bytes]) => {
      const text = formatBits(bytes, 'binary', n)
      const words = bytesToWords(bytes, n)
      if (text.length !== n) return false
      for (let i = 0; i < n; i++) if (text.charCodeAt(i) - 48 !== getBit(words, i)) return false
      return true
    }),
    'binary output has exactly n characters, bit i first',
  )
  t.same(parseBits('1000000001', 'binary', 10), new Uint8Array([0x80, 0x40]), 'MSB-first packing')
  t.equal(formatBits(new Uint8Array([0x80, 0x40]), 'hex', 10), '8040')
  t.equal(formatBits(new Uint8Array([0xfb, 0xf0]), 'base64', 12), '+/A=', 'standard alphabet with padding')
})

t.test('parse results are independent arrays', async (t) => {
  const first = parseBits('ff'.repeat(128), 'hex', 1024)
  const second = parseBits('00'.repeat(128), 'hex', 1024)
  first.fill(0x55)
  t.same(second, new Uint8Array(128), 'writing one result leaves the next one untouched')
  const big = parseBits('ab'.repeat(2000), 'hex', 16_000)
  t.equal(big.length, 2000)
  t.equal(big[1999], 0xab)
})

t.test('error messages in the documented shape', async (t) => {
  const ok1024 = '01'.repeat(512)
  t.equal(parseErrorOf(() => parseBits(ok1024.slice(0, 1020), 'binary', 1024))?.message, 'expected 1024 bits, got 1020')
  t.equal(
    parseErrorOf(() => parseBits(ok1024.slice(0, 17) + '2' + ok1024.slice(18), 'binary', 1024))?.message,
    'invalid character at position 17',
  )
  // n = 1022: the last hex digit carries bits 1020, 1021 and two padding bits.
  t.equal(parseErrorOf(() => parseBits('0'.repeat(255) + '1', 'hex', 1022))?.message, 'non-zero padding bits after bit 1021')
  t.equal(parseErrorOf(() => parseBits('00'.repeat(127), 'hex', 1024))?.message, 'expected 256 hex characters for 1024 bits, got 254')
  t.equal(
    parseErrorOf(() => parseBits('A'.repeat(170), 'base64', 1024))?.message,
    'expected 172 (or 171 without padding) base64 characters for 1024 bits, got 170',
  )
  t.equal(parseErrorOf(() => parseBits('AB==', 'base64', 8))?.message, 'non-zero trailing bits in base64 character at position 1')
  t.equal(parseErrorOf(() => parseBits(1234 as unknown as string, 'hex', 16))?.message, 'expected a string')
  t.throws(() => parseBits('0', 'octal' as Encoding, 1), RangeError)
  t.throws(() => parseBits('0', 'binary', -1), RangeError)
  t.throws(() => parseBits('0', 'binary', 1.5), RangeError)
})

/**
 * One way of spoiling a valid encoding: the bad text and, when it is determined, the exact error
 * message (otherwise only the kind of error is checked). Null when it does not apply.
 */
type Corruption = (text: string, encoding: Encoding, n: number, pick: number) => { text: string; message?: string } | null

const BAD_CHARS: Record<Encoding, string[]> = {
  // U+0130/U+0131 and U+3030 share their low byte with '0'/'1'; U+0661 and U+0141 with 'a'/'A'.
  binary: ['2', 'a', ' ', '\n', '/', '\u0130', '\u0131', '\u3030', '\0'],
  hex: ['g', 'G', 'z', ' ', '\n', '-', '\u0130', '\u0661', 'x', '\0'],
  base64: ['-', '_', '.', ' ', '\n', '\u0141', '\u00c1', '\0', ':', '@', '='],
}
const VALID_CHAR: Record<Encoding, string> = { binary: '1', hex: 'a', base64: 'Q' }
const at = (position: number) => `invalid character at position ${position}`

const corruptions: Record<string, Corruption> = {
  // Drop the first character: dropping a trailing '=' would leave valid unpadded base64.
  'one character short': (text) => ({ text: text.slice(1) }),
  'one character too many': (text, encoding) => ({ text: text + VALID_CHAR[encoding] }),
  'half the characters': (text) => ({ text: text.slice(0, text.length >> 1) }),
  'twice the characters': (text) => ({ text: text + text }),
  'bad character': (text, encoding, _n, pick) => {
    // Base64 positions inside the trailing '=' run are covered by the base64-specific cases.
    const usable = encoding === 'base64' ? text.replace(/=+$/, '').length : text.length
    const position = pick % usable
    const bad = BAD_CHARS[encoding][pick % BAD_CHARS[encoding].length]
    return { text: text.slice(0, position) + bad + text.slice(position + 1), message: at(position) }
  },
  'non-zero padding bit': (_text, encoding, n, pick) => {
    if (encoding === 'binary' || n % 8 === 0) return null
    const bytes = new Uint8Array(bytesFor(n))
    bytes[bytes.length - 1] = 1 << (pick % (8 - (n % 8)))
    return { text: naiveEncode(bytes, encoding, n), message: `non-zero padding bits after bit ${n - 1}` }
  },
  'url-safe base64 alphabet': (text, encoding) => {
    if (encoding !== 'base64' || !/[+/]/.test(text)) return null
    return { text: text.replace(/\+/g, '-').replace(/\//g, '_'), message: at(text.search(/[+/]/)) }
  },
  'base64 padding at the start': (text, encoding) => (encoding === 'base64' ? { text: '=' + text.slice(1), message: at(0) } : null),
  'base64 with one padding character missing': (text, encoding) =>
    encoding === 'base64' && text.endsWith('==') ? { text: text.slice(0, -1) } : null,
  'base64 trailing newline': (text, encoding) => (encoding === 'base64' ? { text: text + '\n' } : null),
  'non-canonical last base64 character': (text, encoding) => {
    if (encoding !== 'base64' || !text.endsWith('=')) return null
    const body = text.replace(/=+$/, '')
    const last = B64.indexOf(body[body.length - 1])
    return {
      text: body.slice(0, -1) + B64[last | 1] + text.slice(body.length),
      message: `non-zero trailing bits in base64 character at position ${body.length - 1}`,
    }
  },
}

t.test('every kind of bad input throws BitParseError without echoing the input', async (t) => {
  for (const [kind, corrupt] of Object.entries(corruptions)) {
    let exercised = 0
    for (const encoding of ENCODINGS) {
      t.doesNotThrow(
        property(
          [packedArb(20, 3000), fc.nat()],
          ([n, bytes], pick) => {
            const spoilt = corrupt(naiveEncode(bytes, encoding, n), encoding, n, pick)
            if (spoilt === null) return true
            exercised++
            const error = parseErrorOf(() => parseBits(spoilt.text, encoding, n))
            return (
              error !== undefined &&
              echoFree(error.message, spoilt.text) &&
              (spoilt.message === undefined || error.message === spoilt.message)
            )
          },
          100,
        ),
        `${kind} (${encoding})`,
      )
    }
    t.ok(exercised > 0, `${kind}: exercised on ${exercised} generated records`)
  }
})

t.test('base64 strictness in detail', async (t) => {
  // 2 bytes → "AAA=" padded, "AAA" unpadded; both fine, nothing else is.
  t.same(parseBits('AAA=', 'base64', 16), new Uint8Array(2))
  t.same(parseBits('AAA', 'base64', 16), new Uint8Array(2))
  for (const bad of ['AAA==', 'AA=A', 'AAAA', 'AA', 'AAA ', ' AAA', 'AAB=', 'AAB', 'A-A=', 'AA_=']) {
    const error = parseErrorOf(() => parseBits(bad, 'base64', 16))
    t.ok(error instanceof BitParseError, `"${bad}" rejected for 16 bits`)
  }
  // 1 byte → "AA==" padded, "AA" unpadded.
  t.same(parseBits('gA==', 'base64', 1), new Uint8Array([0x80]))
  t.same(parseBits('gA', 'base64', 1), new Uint8Array([0x80]))
  for (const bad of ['gA=', 'gB==', 'gA=x', 'g===', 'gAA=', 'wA==']) {
    t.ok(parseErrorOf(() => parseBits(bad, 'base64', 1)) instanceof BitParseError, `"${bad}" rejected for 1 bit`)
  }
  t.same(parseBits('', 'base64', 0), new Uint8Array(0), 'empty string for n = 0')
})

t.test('checkPackedBytes and formatBits validate packed bytes', async (t) => {
  t.doesNotThrow(() => checkPackedBytes(new Uint8Array([0xff, 0xc0]), 10))
  t.equal(parseErrorOf(() => checkPackedBytes(new Uint8Array(3), 10))?.message, 'expected 2 bytes for 10 bits, got 3')
  t.equal(parseErrorOf(() => checkPackedBytes(new Uint8Array([0, 0x20]), 10))?.message, 'non-zero padding bits after bit 9')
  t.ok(parseErrorOf(() => checkPackedBytes([0, 0] as unknown as Uint8Array, 16)) instanceof BitParseError, 'not a Uint8Array')
  for (const encoding of ENCODINGS) {
    t.throws(() => formatBits(new Uint8Array([0, 0x01]), encoding, 10), BitParseError, `${encoding}: padding checked`)
  }
})

t.test('bytesToWords and wordsToBytes', async (t) => {
  t.doesNotThrow(
    property([packedArb(0, 3000)], ([n, bytes]) => {
      const words = bytesToWords(bytes, n)
      if (words.length !== wordsFor(n)) return false
      for (let w = 0; w < words.length; w++) {
        const byte = (i: number) => bytes[4 * w + i] ?? 0
        const expected = byte(0) * 2 ** 24 + (byte(1) << 16) + (byte(2) << 8) + byte(3)
        if (words[w] !== expected) return false
      }
      return sameBytes(wordsToBytes(words, n), bytes)
    }),
    'round trip and big-endian word assembly',
  )
  t.doesNotThrow(
    property([packedArb(1, 700), fc.nat({ max: 5 })], ([n, bytes], offset) => {
      const nw = wordsFor(n)
      const out = new Uint32Array(offset + nw + 3).fill(0xdeadbeef)
      const returned = bytesToWords(bytes, n, out, offset)
      if (returned !== out) return false
      for (let i = 0; i < offset; i++) if (out[i] !== 0xdeadbeef) return false
      for (let i = offset + nw; i < out.length; i++) if (out[i] !== 0xdeadbeef) return false
      return sameBytes(wordsToBytes(out, n, offset), bytes)
    }),
    'writes at an offset into a caller array, leaving the rest untouched',
  )
  t.doesNotThrow(
    property([packedArb(1, 3000)], ([n, bytes]) => {
      const words = bytesToWords(bytes, n)
      const text = naiveBinary(bytes, n)
      for (let i = 0; i < n; i++) if (getBit(words, i) !== (text[i] === '1' ? 1 : 0)) return false
      return true
    }),
    'getBit agrees with the binary string',
  )
  // Padding garbage in words never reaches the packed bytes.
  t.same(wordsToBytes(new Uint32Array([0xffffffff]), 10), new Uint8Array([0xff, 0xc0]))
  t.throws(() => bytesToWords(new Uint8Array(4), 32, new Uint32Array(1), 1), RangeError, 'output too short')
  t.throws(() => bytesToWords(new Uint8Array(3), 32), BitParseError, 'wrong byte count')
  t.throws(() => bytesToWords(new Uint8Array([0, 1]), 15), BitParseError, 'padding bit set')
  t.throws(() => wordsToBytes(new Uint32Array(1), 33), RangeError, 'input too short')
})

t.test('setBit and getBit', async (t) => {
  t.doesNotThrow(
    property(
      [packedArb(1, 500), fc.nat(), fc.constantFrom<0 | 1>(0, 1), fc.nat({ max: 3 })],
      ([n, bytes], pick, value, offset) => {
        const words = new Uint32Array(offset + wordsFor(n))
        bytesToWords(bytes, n, words, offset)
        const before = words.slice()
        const i = pick % n
        setBit(words, i, value, offset)
        for (let q = 0; q < n; q++) {
          const expected = q === i ? value : getBit(before, q, offset)
          if (getBit(words, q, offset) !== expected) return false
        }
        for (let w = 0; w < offset; w++) if (words[w] !== 0) return false
        return true
      },
    ),
    'setBit changes exactly one bit',
  )
})

t.test('popcount32 and xorPopcount', async (t) => {
  const naivePopcount = (x: number) => {
    let c = 0
    for (let i = 0; i < 32; i++) c += (x >>> i) & 1
    return c
  }
  for (const x of [0, 1, 0x80000000, 0xffffffff, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, -1, -2147483648]) {
    t.equal(popcount32(x), naivePopcount(x >>> 0), `popcount32(${x})`)
  }
  t.doesNotThrow(
    property([fc.integer({ min: 0, max: 0xffffffff })], (x) => popcount32(x) === naivePopcount(x), 2000),
    'popcount32 matches a bit loop',
  )
  t.doesNotThrow(
    property(
      [fc.nat({ max: 100 }), fc.nat({ max: 4 }), fc.nat({ max: 4 }), fc.integer()],
      (nWords, aOffset, bOffset, seed) => {
        const source = new SeededNoiseSource(seed)
        const a = new Uint32Array(aOffset + nWords + 2)
        const b = new Uint32Array(bOffset + nWords + 2)
        source.fillUint32(a)
        source.fillUint32(b)
        let expected = 0
        for (let i = 0; i < 32 * nWords; i++) expected += getBit(a, i, aOffset) ^ getBit(b, i, bOffset)
        return xorPopcount(a, aOffset, b, bOffset, nWords) === expected
      },
    ),
    'xorPopcount matches a per-bit count (word counts 0..100 cover the 15-pair fold)',
  )
  const ones = new Uint32Array(100).fill(0xffffffff)
  t.equal(xorPopcount(ones, 0, new Uint32Array(100), 0, 100), 3200, 'all bits differ: no lane overflow')
})

t.test('randomBits', async (t) => {
  const source = new SeededNoiseSource('random-bits')
  for (const n of [0, 1, 31, 32, 33, 1000]) {
    const words = randomBits(n, () => source.nextUint32())
    t.equal(words.length, wordsFor(n), `n = ${n}: word count`)
    if (n & 31) t.equal(words[words.length - 1] & (0xffffffff >>> (n & 31)), 0, `n = ${n}: zero padding`)
  }
  const sequence = [0x12345678, 0x9abcdef0, 0xffffffff]
  let i = 0
  t.same(Array.from(randomBits(72, () => sequence[i++])), [0x12345678, 0x9abcdef0, 0xff000000], 'words in order, padding masked')
  // Roughly half the bits are set (n = 32 000: sd of the count is √(n/4) ≈ 89; allow 5 sd).
  const many = randomBits(32_000, () => source.nextUint32())
  const ones = xorPopcount(many, 0, new Uint32Array(many.length), 0, many.length)
  t.ok(Math.abs(ones - 16_000) < 5 * Math.sqrt(32_000 / 4), `bit balance: ${ones} ones of 32000`)
})

t.test('unpackBits and packBits invert each other, padding stays zero', async (t) => {
  for (const n of [1, 31, 32, 33, 100]) {
    const words = randomBits(n, () => 0xdeadbeef ^ n)
    const bits = unpackBits(words, n)
    t.equal(bits.length, n)
    t.ok(bits.every((b, i) => b === getBit(words, i)), `n=${n}: one bit per byte`)
    t.same(packBits(bits, n), words, `n=${n}: packed back`)
  }
  const longer = new Uint8Array(10).fill(7)
  unpackBits(Uint32Array.of(0x80000000), 4, longer)
  t.same(Array.from(longer), [1, 0, 0, 0, 7, 7, 7, 7, 7, 7], 'a longer output keeps its tail')
  t.same(packBits(Uint8Array.of(1, 1, 1), 2), Uint32Array.of(0xc0000000), 'bits at or beyond n are not packed')
})
