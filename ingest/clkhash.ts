/**
 * `clkhash`: the JSON document `{"clks": ["<base64>", ...]}` written by anonlink's clkhash. Other
 * top-level keys are validated and ignored; a "clks" key inside a nested object is not the array.
 * Records have no ids; a record's line is the line of its string.
 *
 * The document is read as a stream, never parsed whole: @streamparser/json's Tokenizer turns bytes
 * into tokens (strings with escapes resolved, UTF-8 validated), and {@link ClkhashParser} checks the
 * JSON grammar on those tokens with a container stack, keeping only the "clks" strings. Memory is
 * bounded by one token: a CLK is at most a few times its base64 length, a number at most 512
 * characters, and any token together with the whitespace before the next one at most
 * `maxTokenBytes` (1 MiB, more for very long records), which also covers a string whose chunks
 * all end inside an escape.
 *
 * Errors keep the tokenizer's own messages out (they quote the offending character, which may be
 * record data): its failure is mapped, from the state it names, onto the messages of this file,
 * `malformed clkhash JSON at byte B (line L): <problem>` for the document's structure and
 * `record I: <problem>` for a bad CLK.
 */
import type { Buffer } from 'node:buffer'
import { Tokenizer, TokenizerError, TokenType, type ParsedTokenInfo } from '@streamparser/json'
import { bytesFor } from '../sketch/bits.js'
import { bitsOrProblem, failRecord, RecordFormatError, type BatchCollector, type ChunkParser } from './records.js'

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
  /** After the top-level object: only whitespace. */
  Done,
}

const OBJECT = 0
const ARRAY = 1
const MAX_DEPTH = 256
const MAX_LITERAL = 512
/** Bytes handed to the tokenizer at once, so token lengths are checked at least this often. */
const SLICE_BYTES = 64 * 1024
/** Stands for a byte that starts no token (the tokenizer rejected it between tokens). */
const NO_TOKEN = -1
const BOM = [0xef, 0xbb, 0xbf]
const TOKENIZER_UNEXPECTED = /\(absolute position "(\d+)"\) in state (\w+)$/
const TOKENIZER_ENDED = /^Tokenizer ended in the middle of a token/

/** The library's tokenizer, handing tokens to the grammar and flagging numbers that are too long. */
class ClkTokenizer extends Tokenizer {
  longNumber = false

  constructor(readonly handle: (info: ParsedTokenInfo) => void) {
    super()
  }

  override onToken(info: ParsedTokenInfo): void {
    this.handle(info)
  }

  /** Only the length matters: number values are never used. */
  protected override parseNumber(text: string): number {
    if (text.length > MAX_LITERAL) this.longNumber = true
    return 0
  }
}

export class ClkhashParser implements ChunkParser {
  readonly #tokenizer = new ClkTokenizer((info) => this.#onToken(info))
  /** Longest accepted CLK string (decoded), the old scanner's raw-byte cap: padded base64 × 6 + 16. */
  readonly #maxClkChars: number
  readonly #maxTokenBytes: number
  #mode: Mode = Mode.Value
  readonly #stack: number[] = []
  /** Top-level key whose value comes next (null inside nested containers). */
  #key: string | null = null
  #sawClks = false
  /** True while inside the top-level "clks" array (depth 2). */
  #inClks = false
  // Positions (absolute byte offsets, counting a byte-order mark) and lines.
  /** Bytes of a leading byte-order mark matched so far; -1 when there is none. */
  #bomMatched = 0
  #fed = 0
  #slice: Buffer | null = null
  #sliceStart = 0
  /** Line breaks before the current slice. */
  #linesBefore = 0
  /** Start of the token (or offending byte) being handled. */
  #at = 0
  /** Start of the last complete token (-1 before the first). */
  #lastToken = -1

  constructor(
    readonly n: number,
    readonly out: BatchCollector,
  ) {
    this.#maxClkChars = 6 * 4 * Math.ceil(bytesFor(n) / 3) + 16
    this.#maxTokenBytes = Math.max(1 << 20, 6 * this.#maxClkChars)
  }

  feed(chunk: Buffer): void {
    for (let i = 0; this.#bomMatched >= 0 && this.#bomMatched < 3 && i < chunk.length; i++) {
      this.#bomMatched = chunk[i] === BOM[this.#bomMatched] ? this.#bomMatched + 1 : -1
    }
    for (let start = 0; start < chunk.length; start += SLICE_BYTES) {
      const slice = chunk.subarray(start, start + SLICE_BYTES)
      this.#slice = slice
      this.#fed += slice.length
      try {
        this.#tokenizer.write(slice)
      } catch (error) {
        this.#tokenizerFailed(error)
      }
      this.#sliceStart = this.#fed
      this.#linesBefore += countLineBreaks(slice, slice.length)
      if (this.#fed - this.#lastToken > this.#maxTokenBytes) {
        this.#syntax(`a token or whitespace run longer than ${this.#maxTokenBytes} bytes`, this.#fed)
      }
    }
  }

  end(): void {
    this.#slice = null
    try {
      this.#tokenizer.end()
    } catch (error) {
      this.#tokenizerFailed(error)
    }
    if (this.#mode !== Mode.Done) {
      this.#syntax(this.#fed === 0 ? 'empty input, expected {"clks": [...]}' : 'input ends before the JSON document is complete', this.#fed)
    }
    if (!this.#sawClks) throw new RecordFormatError('clkhash JSON has no "clks" array', this.out.count, null, null)
  }

  /** 1-based line of an absolute position in the current slice or before it. */
  #lineAt(at: number): number {
    // A position before the slice is the start of a token still open when the slice began: a
    // string, number or literal, none of which holds a line break.
    const within = at - this.#sliceStart
    if (within <= 0 || this.#slice === null) return this.#linesBefore + 1
    return this.#linesBefore + 1 + countLineBreaks(this.#slice, within)
  }

  #syntax(detail: string, at = this.#at): never {
    throw new RecordFormatError(`malformed clkhash JSON at byte ${at} (line ${this.#lineAt(at)}): ${detail}`, this.out.count, this.#lineAt(at), null)
  }

  #onToken(info: ParsedTokenInfo): void {
    const at = info.offset + (this.#bomMatched === 3 ? 3 : 0)
    this.#at = at
    this.#lastToken = at
    this.#token(info.token, info.value)
  }

  /** Advances the grammar by one token (or NO_TOKEN, which every state rejects). */
  #token(type: TokenType | typeof NO_TOKEN, value: unknown): void {
    switch (this.#mode) {
      case Mode.Value:
      case Mode.ArrayFirst:
        if (type === TokenType.RIGHT_BRACKET && this.#mode === Mode.ArrayFirst) return this.#close(ARRAY)
        if ((type === TokenType.RIGHT_BRACKET || type === TokenType.RIGHT_BRACE) && this.#stack.length > 0) {
          this.#syntax('expected a value (trailing comma?)')
        }
        return this.#value(type, value)
      case Mode.ObjectFirst:
      case Mode.ObjectKey:
        if (type === TokenType.RIGHT_BRACE && this.#mode === Mode.ObjectFirst) return this.#close(OBJECT)
        if (type !== TokenType.STRING) this.#syntax(this.#mode === Mode.ObjectFirst ? 'expected a key or "}"' : 'expected a key')
        if (this.#stack.length === 1) this.#key = value as string
        this.#mode = Mode.Colon
        return
      case Mode.Colon:
        if (type !== TokenType.COLON) this.#syntax('expected ":"')
        this.#mode = Mode.Value
        return
      case Mode.AfterValue: {
        const top = this.#stack[this.#stack.length - 1]
        if (type === TokenType.COMMA) {
          this.#mode = top === OBJECT ? Mode.ObjectKey : Mode.Value
          return
        }
        if (type === TokenType.RIGHT_BRACE && top === OBJECT) return this.#close(OBJECT)
        if (type === TokenType.RIGHT_BRACKET && top === ARRAY) return this.#close(ARRAY)
        this.#syntax(top === OBJECT ? 'expected "," or "}"' : 'expected "," or "]"')
        break
      }
      default:
        this.#syntax('unexpected data after the JSON document')
    }
  }

  #value(type: TokenType | typeof NO_TOKEN, value: unknown): void {
    const depth = this.#stack.length
    if (depth === 0) {
      if (type !== TokenType.LEFT_BRACE) this.#syntax('expected a JSON object {"clks": [...]}')
      return this.#open(OBJECT)
    }
    if (depth === 1 && this.#key === 'clks') {
      if (this.#sawClks) this.#syntax('duplicate "clks" key')
      this.#sawClks = true
      if (type !== TokenType.LEFT_BRACKET) this.#syntax('"clks" must be an array of base64 strings')
      this.#open(ARRAY)
      this.#inClks = true
      return
    }
    if (this.#inClks && depth === 2) {
      if (type !== TokenType.STRING) failRecord(this.out, 'expected a base64 string', this.#lineAt(this.#at))
      return this.#clk(value as string)
    }
    switch (type) {
      case TokenType.LEFT_BRACE:
        return this.#open(OBJECT)
      case TokenType.LEFT_BRACKET:
        return this.#open(ARRAY)
      case TokenType.NUMBER:
        if (this.#tokenizer.longNumber) this.#syntax('number or literal too long')
        return this.#afterValue()
      case TokenType.STRING:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        return this.#afterValue()
      default:
        this.#syntax('expected a value')
    }
  }

  #clk(text: string): void {
    if (text.length > this.#maxClkChars) failRecord(this.out, `string too long for ${this.n} bits`, this.#lineAt(this.#at))
    const bytes = bitsOrProblem(text, 'base64', this.n)
    if (typeof bytes === 'string') failRecord(this.out, bytes, this.#lineAt(this.#at))
    this.out.push({ id: null, bytes })
    this.#mode = Mode.AfterValue
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

  /** Turns a failure inside the tokenizer into this file's errors (never its message). */
  #tokenizerFailed(error: unknown): never {
    if (error instanceof RecordFormatError) throw error
    if (error instanceof TokenizerError) {
      if (TOKENIZER_ENDED.test(error.message)) this.#syntax('input ends before the JSON document is complete', this.#fed)
      const match = TOKENIZER_UNEXPECTED.exec(error.message)
      if (match === null || this.#slice === null) this.#syntax('invalid JSON', this.#fed)
      this.#at = Number(match[1])
      const detail = lexicalProblem(match[2], this.#slice[this.#at - this.#sliceStart])
      if (detail === null) this.#token(NO_TOKEN, null)
      this.#syntax(detail ?? 'invalid JSON')
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      this.#at = this.#stringStart()
      if (this.#inClks && this.#stack.length === 2 && (this.#mode === Mode.Value || this.#mode === Mode.ArrayFirst)) {
        failRecord(this.out, 'invalid UTF-8', this.#lineAt(this.#at))
      }
      this.#syntax('invalid UTF-8 in a string')
    }
    throw error
  }

  /**
   * Where the string that failed to decode starts, as far as the current slice tells: the first
   * byte after the last token (a one-byte `[`, `{`, `:` or `,` wherever a string may follow) that is
   * not whitespace, or the slice's first such byte when that token lies in an earlier slice.
   */
  #stringStart(): number {
    const slice = this.#slice
    if (slice === null) return this.#fed
    let p = Math.max(0, this.#lastToken + 1 - this.#sliceStart)
    while (p < slice.length && (slice[p] === 0x20 || slice[p] === 0x09 || slice[p] === 0x0d || slice[p] === 0x0a)) p++
    return this.#sliceStart + p
  }
}

/**
 * The problem a tokenizer state names when it rejects `byte`; null for a byte that starts no token
 * (between tokens), which the grammar words by what it expected there.
 */
function lexicalProblem(state: string, byte: number): string | null {
  if (state === 'START' || state === 'BOM_OR_START') return null
  if (state === 'STRING_DEFAULT') return byte === 0x0a ? 'line break inside a string' : 'control character inside a string'
  if (state === 'STRING_AFTER_BACKSLASH') return 'invalid escape in string'
  if (state.startsWith('STRING_UNICODE_DIGIT')) return 'invalid \\u escape in string'
  if (state === 'BOM') return 'incomplete byte-order mark'
  if (/^(TRUE|FALSE|NULL|NUMBER)/.test(state)) return 'invalid number or literal'
  return 'invalid JSON'
}

/** Line breaks in bytes[0, end). */
function countLineBreaks(bytes: Buffer, end: number): number {
  let count = 0
  for (let p = bytes.indexOf(0x0a); p !== -1 && p < end; p = bytes.indexOf(0x0a, p + 1)) count++
  return count
}
