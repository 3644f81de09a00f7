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
 * `record I: <problem>` for a bad CLK. A token the tokenizer gave up on is first put to the
 * grammar, so that a token that is wrong where it stands (a number where a CLK belongs, a string
 * at the top) is reported as such, at its start, whatever else is wrong with it.
 *
 * Two leniencies come with the tokenizer (@streamparser/json 0.0.26): it skips a byte-order mark
 * between the structural tokens before the first value, and it drops a U+FEFF (raw or escaped) at
 * the start of each piece of a string it decodes, so a CLK with a stray U+FEFF is read as if the
 * character were not there. Neither can put record data into a message.
 */
import type { Buffer } from 'node:buffer'
import { Tokenizer, TokenizerError, TokenType, type ParsedTokenInfo } from '@streamparser/json'
import { bytesFor } from '../sketch/bits.js'
import { StreamPositions } from './json-positions.js'
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

type Token = TokenType | typeof NO_TOKEN

const OBJECT = 0
const ARRAY = 1
const MAX_DEPTH = 256
const MAX_LITERAL = 512
/** Bytes handed to the tokenizer at once, so token lengths are checked at least this often. */
const SLICE_BYTES = 64 * 1024
/** Stands for a byte that starts no token (the tokenizer rejected it between tokens). */
const NO_TOKEN = -1
/** The value of a token the tokenizer could not finish. */
const UNFINISHED = Symbol('unfinished token')
/** Bytes of each fixed-length token (by TokenType); a string's raw length is not known. */
const TOKEN_BYTES = [1, 1, 1, 1, 1, 1, 4, 5, 4, NaN]
const TOKENIZER_UNEXPECTED = /\(absolute position "(\d+)"\) in state (\w+)$/
const TOKENIZER_ENDED = /^Tokenizer ended in the middle of a token \(state: (\w+)\)/

/** The library's tokenizer, handing tokens to the grammar and measuring numbers. */
class ClkTokenizer extends Tokenizer {
  /** Characters of the last number (set just before its token is handed on). */
  numberLength = 0

  constructor(readonly handle: (info: ParsedTokenInfo) => void) {
    super()
  }

  override onToken(info: ParsedTokenInfo): void {
    this.handle(info)
  }

  /** Only the length matters: number values are never used. */
  protected override parseNumber(text: string): number {
    this.numberLength = text.length
    return 0
  }
}

export class ClkhashParser implements ChunkParser {
  readonly #tokenizer = new ClkTokenizer((info) => this.#onToken(info))
  readonly #positions = new StreamPositions()
  /** Longest accepted CLK string: room for its padded base64 with every character a six-byte escape, plus 16. */
  readonly #maxClkChars: number
  readonly #maxTokenBytes: number
  #mode: Mode = Mode.Value
  readonly #stack: number[] = []
  /** Top-level key whose value comes next (null inside nested containers). */
  #key: string | null = null
  #sawClks = false
  /** True while inside the top-level "clks" array (depth 2). */
  #inClks = false
  /** Start of the token (or offending byte) being handled. */
  #at = 0
  /** End of the last complete token; NaN after a string, whose raw length is not known. */
  #lastEnd = 0

  constructor(
    readonly n: number,
    readonly out: BatchCollector,
  ) {
    this.#maxClkChars = 6 * 4 * Math.ceil(bytesFor(n) / 3) + 16
    this.#maxTokenBytes = Math.max(1 << 20, 6 * this.#maxClkChars)
  }

  feed(chunk: Buffer): void {
    const positions = this.#positions
    positions.noteStart(chunk)
    for (let start = 0; start < chunk.length; start += SLICE_BYTES) {
      const slice = chunk.subarray(start, start + SLICE_BYTES)
      positions.begin(slice)
      try {
        this.#tokenizer.write(slice)
      } catch (error) {
        this.#tokenizerFailed(error)
      }
      positions.finish(this.#lastEnd)
      if (positions.fed - this.#at > this.#maxTokenBytes) {
        this.#syntax(`a token or whitespace run longer than ${this.#maxTokenBytes} bytes`, positions.fed)
      }
    }
  }

  end(): void {
    const fed = this.#positions.fed
    try {
      this.#tokenizer.end()
    } catch (error) {
      this.#tokenizerFailed(error)
    }
    if (this.#mode !== Mode.Done) {
      this.#syntax(fed === 0 ? 'empty input, expected {"clks": [...]}' : 'input ends before the JSON document is complete', fed)
    }
    if (!this.#sawClks) throw new RecordFormatError('clkhash JSON has no "clks" array', this.out.count, null, null)
  }

  #syntax(detail: string, at = this.#at): never {
    const line = this.#positions.lineAt(at)
    throw new RecordFormatError(`malformed clkhash JSON at byte ${at} (line ${line}): ${detail}`, this.out.count, line, null)
  }

  #onToken(info: ParsedTokenInfo): void {
    const at = info.offset + this.#positions.bom
    this.#at = at
    this.#token(info.token, info.value)
    this.#lastEnd = at + (info.token === TokenType.NUMBER ? this.#tokenizer.numberLength : TOKEN_BYTES[info.token])
  }

  /** Advances the grammar by one token (or NO_TOKEN, which every state rejects). */
  #token(type: Token, value: unknown): void {
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
        if (this.#stack.length === 1) this.#key = typeof value === 'string' ? value : null
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

  #value(type: Token, value: unknown): void {
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
    if (this.#expectsClk()) {
      if (type !== TokenType.STRING) failRecord(this.out, 'expected a base64 string', this.#positions.lineAt(this.#at))
      if (value !== UNFINISHED) this.#clk(value as string)
      return
    }
    switch (type) {
      case TokenType.LEFT_BRACE:
        return this.#open(OBJECT)
      case TokenType.LEFT_BRACKET:
        return this.#open(ARRAY)
      case TokenType.NUMBER:
        if (value !== UNFINISHED && this.#tokenizer.numberLength > MAX_LITERAL) this.#syntax('number or literal too long')
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

  /** Whether the next value is an element of the "clks" array. */
  #expectsClk(): boolean {
    return this.#inClks && this.#stack.length === 2 && (this.#mode === Mode.Value || this.#mode === Mode.ArrayFirst)
  }

  #clk(text: string): void {
    if (text.length > this.#maxClkChars) failRecord(this.out, `string too long for ${this.n} bits`, this.#positions.lineAt(this.#at))
    const bytes = bitsOrProblem(text, 'base64', this.n)
    if (typeof bytes === 'string') failRecord(this.out, bytes, this.#positions.lineAt(this.#at))
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
    const fed = this.#positions.fed
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      // The decoder does not say where: the string is reported where it starts.
      const clk = this.#expectsClk()
      this.#unfinished(TokenType.STRING, fed)
      if (clk) failRecord(this.out, 'invalid UTF-8', this.#positions.lineAt(this.#at))
      this.#syntax('invalid UTF-8 in a string')
    }
    if (!(error instanceof TokenizerError)) throw error
    const ended = TOKENIZER_ENDED.exec(error.message)
    if (ended !== null) {
      this.#unfinished(unfinishedToken(ended[1]), fed)
      this.#syntax('input ends before the JSON document is complete', fed)
    }
    const unexpected = TOKENIZER_UNEXPECTED.exec(error.message)
    if (unexpected === null) this.#syntax('invalid JSON', fed)
    const at = Number(unexpected[1])
    const state = unexpected[2]
    const detail = lexicalProblem(state, this.#positions.byteAt(at))
    if (detail === null) {
      this.#at = at
      this.#token(NO_TOKEN, null)
    }
    this.#unfinished(unfinishedToken(state), at)
    this.#syntax(detail ?? 'invalid JSON', at)
  }

  /**
   * Puts the token the tokenizer was reading when it failed at `failedAt` to the grammar, which
   * throws if it does not belong there. Leaves `#at` at the token's start (or at `failedAt` when
   * that start is not known).
   */
  #unfinished(type: TokenType | null, failedAt: number): void {
    this.#at = this.#positions.startAfter(this.#lastEnd) ?? failedAt
    if (type !== null) this.#token(type, UNFINISHED)
  }
}

/** The kind of token a tokenizer state is inside, or null between tokens. */
function unfinishedToken(state: string): TokenType | null {
  if (state.startsWith('STRING')) return TokenType.STRING
  if (state.startsWith('NUMBER')) return TokenType.NUMBER
  if (state.startsWith('TRUE')) return TokenType.TRUE
  if (state.startsWith('FALSE')) return TokenType.FALSE
  if (state.startsWith('NULL')) return TokenType.NULL
  return null
}

/**
 * The problem a tokenizer state names when it rejects `byte`; null for a byte that starts no token
 * (between tokens), which the grammar words by what it expected there.
 */
function lexicalProblem(state: string, byte: number | undefined): string | null {
  if (state === 'START' || state === 'BOM_OR_START') return null
  if (state === 'STRING_DEFAULT') return byte === 0x0a ? 'line break inside a string' : 'control character inside a string'
  if (state === 'STRING_AFTER_BACKSLASH') return 'invalid escape in string'
  if (state.startsWith('STRING_UNICODE_DIGIT')) return 'invalid \\u escape in string'
  if (state === 'BOM') return 'incomplete byte-order mark'
  if (unfinishedToken(state) !== null) return 'invalid number or literal'
  return 'invalid JSON'
}
