/**
 * The record builder shared by every load format: the parsed record, the one error type, batching,
 * id checks, duplicate-id detection, and the one rule for what an error message may repeat.
 *
 * Errors: every problem throws {@link RecordFormatError} with a one-line message naming the record
 * (line number in line formats, record index otherwise, the id when known) and the problem, e.g.
 * `line 17 (record "p42"): expected 1024 bits, got 1020`. Messages never contain record bits: bit
 * parsing errors come from sketch/bits.ts, which never repeats its input, and an id or JSON key is
 * shown only when {@link showable} says it does not look like a bit string (it parses as n bits, or
 * is a long run of base64 characters), because a swapped `bits<TAB>id` line would otherwise put bits
 * into a message.
 *
 * Duplicate ids within one stream are detected with an open-addressing table of 96-bit id
 * fingerprints and the line where each was first seen (16 bytes per slot, 23–46 bytes per id, in a
 * typed array outside the JS heap, instead of a Map of strings, which would exhaust the heap at tens
 * of millions of ids and cannot exceed 2^24 entries). A false "duplicate" needs two distinct ids to
 * agree on all 96 bits of three independently keyed 32-bit hashes: about m²/2^97 for m ids, below
 * 10^-13 even at m = 10^8. Uniqueness across uploads is enforced by the database, not here.
 */
import type { Buffer } from 'node:buffer'
import { BitParseError, parseBits, type Encoding } from '../sketch/bits.js'
import { fmix32 } from '../sketch/hash-tables.js'

export const ENCODINGS: readonly Encoding[] = ['binary', 'hex', 'base64']
export const MAX_ID_LENGTH = 256

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

/** One format's parser: fed byte chunks in order, then ended once. */
export interface ChunkParser {
  feed(chunk: Buffer): void
  end(): void
}

/** Groups records into batches of exactly `size` (the last one possibly shorter). */
export class BatchCollector {
  #current: ParsedRecord[] = []
  #currentBytes = 0
  #full: ParsedRecord[][] = []
  count = 0

  constructor(
    readonly size: number,
    /** Bytes of records per batch at most (a batch holds at least one record). */
    readonly maxBytes: number = Number.MAX_SAFE_INTEGER,
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
 * Whether an id or key may be repeated in an error message: short, printable, and not bit-like.
 * This is the only place that decides it.
 */
export function showable(value: string, n: number): boolean {
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
 * Throws the error of the record being read in a format without ids (`packed`, `clkhash`):
 * `record 3: <detail>`, with `line` kept in the error's fields only.
 */
export function failRecord(out: BatchCollector, detail: string, line: number | null): never {
  const index = out.count
  throw new RecordFormatError(`${where(null, index, null)}: ${detail}`, index, line, null)
}

/** A bit string's packed bytes, or the BitParseError message (which never repeats the input). */
export function bitsOrProblem(text: string, encoding: Encoding, n: number): Uint8Array | string {
  try {
    return parseBits(text, encoding, n)
  } catch (error) {
    if (error instanceof BitParseError) return error.message
    throw error
  }
}

/**
 * Validates ids, enforces one id style per stream (either every record has an id or none has: a
 * stream that mixes the two would give position-numbered records ids that can collide with explicit
 * ones), detects duplicate ids, parses bits, and emits records; raises every line-format error.
 */
export class RecordBuilder {
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
    const bytes = bitsOrProblem(bits, encoding, this.n)
    if (typeof bytes === 'string') this.fail(bytes, line, id)
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
