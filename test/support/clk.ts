/**
 * Test and benchmark data (not noise): person records with realistic corruption, and their CLKs.
 *
 * CLKs follow clkhash's double-hashing scheme: each field is padded (" value "), cut into bigrams,
 * and each bigram sets k_hash bits of one 1024-bit Bloom filter at (h1 + i·h2) mod 1024 for
 * i = 0..k_hash − 1, with h1 = HMAC-SHA256(key1, field/bigram) and h2 = HMAC-SHA256(key2, ...)
 * (odd, so the indices differ). One typo changes up to three bigrams: tens of bits.
 *
 * Ground truth comes from the generator: query j of a linkage pair set is a corrupted copy of
 * record truth[j] of the owner's set, or of nobody (-1).
 */
import { createHmac } from 'node:crypto'
import { Faker, en } from '@faker-js/faker'
import seedrandom from 'seedrandom'
import { popcount32 } from '../../sketch/bits.js'
import { greedySolve } from '../../core/linkage.js'

export const CLK_BITS = 1024
const CLK_BYTES = CLK_BITS / 8

export interface Person {
  first: string
  last: string
  dob: string
  city: string
  zip: string
}

const FIELDS: (keyof Person)[] = ['first', 'last', 'dob', 'city', 'zip']

export interface ClkOptions {
  /** Bits set per bigram (clkhash's k); default 15. */
  kHash?: number
  key?: string
}

function indexPair(key: string, field: string, bigram: string): [number, number] {
  const a = createHmac('sha256', `${key}/1`).update(`${field}\u0000${bigram}`).digest()
  const b = createHmac('sha256', `${key}/2`).update(`${field}\u0000${bigram}`).digest()
  return [a.readUInt32BE(0), b.readUInt32BE(0) | 1]
}

/** The CLK of one person as packed bytes (MSB-first, sketch/bits.ts layout). */
export function encodeClk(p: Person, options: ClkOptions = {}): Uint8Array {
  const kHash = options.kHash ?? 15
  const key = options.key ?? 'dpdist-test-clk-key'
  const out = new Uint8Array(CLK_BYTES)
  for (const field of FIELDS) {
    const value = p[field]
    if (value === '') continue
    const padded = ` ${value.toLowerCase()} `
    for (let i = 0; i + 2 <= padded.length; i++) {
      const [h1, h2] = indexPair(key, field, padded.slice(i, i + 2))
      for (let j = 0; j < kHash; j++) {
        const bit = (h1 + j * h2) % CLK_BITS
        out[bit >>> 3] |= 0x80 >>> (bit & 7)
      }
    }
  }
  return out
}

export function popcountBytes(b: Uint8Array): number {
  let c = 0
  for (const x of b) {
    let v = x
    while (v) {
      v &= v - 1
      c++
    }
  }
  return c
}

export function hammingBytes(a: Uint8Array, b: Uint8Array): number {
  let d = 0
  for (let i = 0; i < a.length; i++) {
    let v = a[i] ^ b[i]
    while (v) {
      v &= v - 1
      d++
    }
  }
  return d
}

export function exactDice(a: Uint8Array, b: Uint8Array): number {
  const s = popcountBytes(a) + popcountBytes(b)
  return s === 0 ? 1 : 1 - hammingBytes(a, b) / s
}

/** `count` distinct-looking people, reproducible from `seed`. */
export function generatePeople(count: number, seed: number): Person[] {
  const faker = new Faker({ locale: [en] })
  faker.seed(seed)
  const people: Person[] = []
  for (let i = 0; i < count; i++) {
    const birth = faker.date.birthdate({ min: 18, max: 90, mode: 'age' })
    people.push({
      first: faker.person.firstName(),
      last: faker.person.lastName(),
      dob: birth.toISOString().slice(0, 10),
      city: faker.location.city(),
      zip: faker.location.zipCode('#####'),
    })
  }
  return people
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

function typo(s: string, rng: seedrandom.PRNG): string {
  if (s.length === 0) return s
  const at = Math.floor(rng() * s.length)
  const c = LETTERS[Math.floor(rng() * LETTERS.length)]
  const kind = rng()
  if (kind < 0.4) return s.slice(0, at) + c + s.slice(at + 1) // substitution
  if (kind < 0.7) return s.slice(0, at) + s.slice(at + 1) // deletion
  return s.slice(0, at) + c + s.slice(at) // insertion
}

/**
 * A corrupted copy, as another organisation would hold it: 0–3 typos in random fields (often none),
 * sometimes first and last name swapped, sometimes a missing city or zip, sometimes a new zip.
 */
export function corrupt(p: Person, rng: seedrandom.PRNG): Person {
  const q = { ...p }
  const typos = rng() < 0.35 ? 0 : 1 + Math.floor(rng() * 3)
  for (let i = 0; i < typos; i++) {
    const f = FIELDS[Math.floor(rng() * FIELDS.length)]
    q[f] = typo(q[f], rng)
  }
  if (rng() < 0.05) [q.first, q.last] = [q.last, q.first]
  if (rng() < 0.08) q.city = ''
  if (rng() < 0.05) q.zip = ''
  if (rng() < 0.05) q.zip = String(Math.floor(rng() * 90000) + 10000)
  return q
}

export interface LinkageData {
  /** The owner's CLKs. */
  records: Uint8Array[]
  /** The other party's CLKs. */
  queries: Uint8Array[]
  /** truth[j]: the record query j is a copy of, or -1. */
  truth: Int32Array
}

/**
 * Two parties' CLKs: the owner holds `m` people, the other party `q`, of whom a fraction `overlap`
 * are corrupted copies of distinct owner records (the rest are other people).
 */
export function linkageData(m: number, q: number, overlap: number, seed: number, options: ClkOptions = {}): LinkageData {
  const owners = generatePeople(m, seed)
  const shared = Math.min(m, Math.round(q * overlap))
  const others = generatePeople(q - shared, seed + 1_000_003)
  const rng = seedrandom.alea(`linkage-${seed}`)
  // which owner records the shared queries copy: a seeded shuffle of the first ones
  const chosen = Array.from({ length: m }, (_, i) => i)
  for (let i = m - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[chosen[i], chosen[j]] = [chosen[j], chosen[i]]
  }
  const truth = new Int32Array(q).fill(-1)
  const people: Person[] = []
  for (let j = 0; j < shared; j++) {
    truth[j] = chosen[j]
    people.push(corrupt(owners[chosen[j]], rng))
  }
  people.push(...others)
  // shuffle the queries so matches are not all first
  const order = Array.from({ length: q }, (_, i) => i)
  for (let i = q - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  return {
    records: owners.map((p) => encodeClk(p, options)),
    queries: order.map((i) => encodeClk(people[i], options)),
    truth: Int32Array.from(order, (i) => truth[i]),
  }
}

function words(b: Uint8Array): Uint32Array {
  const out = new Uint32Array(b.length >>> 2)
  for (let w = 0; w < out.length; w++) out[w] = ((b[4 * w] << 24) | (b[4 * w + 1] << 16) | (b[4 * w + 2] << 8) | b[4 * w + 3]) >>> 0
  return out
}

/** Greedy one-to-one matching on exact Dice (the reference the private runs are compared to). */
export function exactGreedy(data: LinkageData, threshold: number): [number, number][] {
  const pairs: { queryOrdinal: number; recordOrdinal: number; score: number }[] = []
  const recs = data.records.map(words)
  const pops = data.records.map(popcountBytes)
  const wpr = CLK_BITS / 32
  for (let j = 0; j < data.queries.length; j++) {
    const qw = words(data.queries[j])
    const pq = popcountBytes(data.queries[j])
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]
      let h = 0
      for (let w = 0; w < wpr; w++) h += popcount32(qw[w] ^ r[w])
      const dice = 1 - h / (pops[i] + pq)
      if (dice >= threshold) pairs.push({ queryOrdinal: j, recordOrdinal: i, score: dice })
    }
  }
  pairs.sort((a, b) => b.score - a.score || a.queryOrdinal - b.queryOrdinal || a.recordOrdinal - b.recordOrdinal)
  return greedySolve(pairs).map((p) => [p.queryOrdinal, p.recordOrdinal])
}

/** Precision, recall and F1 of matched (query, record) pairs against the ground truth. */
export function scoreMatches(matches: Iterable<[number, number]>, truth: Int32Array): { precision: number; recall: number; f1: number; tp: number; found: number; true: number } {
  let tp = 0
  let found = 0
  for (const [j, i] of matches) {
    found++
    if (truth[j] === i) tp++
  }
  const trueCount = truth.reduce((s, t) => s + (t >= 0 ? 1 : 0), 0)
  const precision = found === 0 ? 1 : tp / found
  const recall = trueCount === 0 ? 1 : tp / trueCount
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1, tp, found, true: trueCount }
}
