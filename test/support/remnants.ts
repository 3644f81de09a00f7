/**
 * Finds copies of marker records in files: the packed bytes, the 32-bit words as they lie in memory
 * (little-endian), hex (both cases), base64, base64url and the binary text of each record. Any
 * piece of at least 11 bytes of a record (or the matching length of text) is found: windows of 8
 * bytes (16 hex digits, 12 base64 characters, 64 binary digits) at every 4-byte step of the
 * record are looked up, so a piece covers one of them. Records are random, so a hit by chance has
 * a probability below 2^-50 per file.
 */
import { existsSync, readFileSync } from 'node:fs'

export type MarkerEncoding = 'packed' | 'words' | 'hex' | 'HEX' | 'base64' | 'base64url' | 'binary'

interface Window {
  /** characters (bytes) of the window, and of the step between windows */
  length: number
  step: number
  encode(record: Buffer): string
}

const binary = (b: Buffer) => Array.from(b, (x) => x.toString(2).padStart(8, '0')).join('')
const swapWords = (b: Buffer) => {
  const out = Buffer.from(b)
  for (let i = 0; i + 4 <= out.length; i += 4) out.subarray(i, i + 4).reverse()
  return out
}

const windows: Record<MarkerEncoding, Window> = {
  packed: { length: 8, step: 4, encode: (b) => b.toString('latin1') },
  words: { length: 8, step: 4, encode: (b) => swapWords(b).toString('latin1') },
  hex: { length: 16, step: 8, encode: (b) => b.toString('hex') },
  HEX: { length: 16, step: 8, encode: (b) => b.toString('hex').toUpperCase() },
  // base64 windows start on a 4-character group: the same bytes encode the same way there
  base64: { length: 12, step: 4, encode: (b) => b.toString('base64') },
  base64url: { length: 12, step: 4, encode: (b) => b.toString('base64url') },
  binary: { length: 64, step: 32, encode: binary },
}

export type Hits = Partial<Record<MarkerEncoding, number>>

export class MarkerScanner {
  /** window length → window text → encoding */
  readonly #keys = new Map<number, Map<string, MarkerEncoding>>()
  /** first four bytes of every window, to skip most file positions cheaply */
  readonly #prefixes = new Set<number>()

  constructor(records: Uint8Array[]) {
    for (const record of records) {
      const b = Buffer.from(record)
      for (const [encoding, w] of Object.entries(windows) as [MarkerEncoding, Window][]) {
        const text = w.encode(b)
        let keys = this.#keys.get(w.length)
        if (!keys) this.#keys.set(w.length, (keys = new Map()))
        for (let at = 0; at + w.length <= text.length; at += w.step) {
          const key = text.slice(at, at + w.length)
          keys.set(key, encoding)
          this.#prefixes.add(Buffer.from(key, 'latin1').readUInt32LE(0))
        }
      }
    }
  }

  /** Marker windows found in `bytes`, per encoding. */
  scan(bytes: Buffer): Hits {
    const hits: Hits = {}
    for (let i = 0; i + 4 <= bytes.length; i++) {
      if (!this.#prefixes.has(bytes.readUInt32LE(i))) continue
      for (const [length, keys] of this.#keys) {
        if (i + length > bytes.length) continue
        const encoding = keys.get(bytes.toString('latin1', i, i + length))
        if (encoding) hits[encoding] = (hits[encoding] ?? 0) + 1
      }
    }
    return hits
  }

  /** Hits in the database file, its -wal and its -shm (those that exist), by file suffix. */
  scanDatabase(dbPath: string): Record<string, Hits> {
    const out: Record<string, Hits> = {}
    for (const suffix of ['', '-wal', '-shm']) {
      const path = `${dbPath}${suffix}`
      if (existsSync(path)) out[suffix || 'db'] = this.scan(readFileSync(path))
    }
    return out
  }
}

/** Total hits over every file and encoding. */
export function totalHits(found: Record<string, Hits>): number {
  return Object.values(found).reduce((sum, h) => sum + Object.values(h).reduce((a, b) => a + (b ?? 0), 0), 0)
}
