/**
 * Flag parsing and validation for `dpdist`. Parsers throw UsageError with a message that names the
 * flag; they never repeat a value that could be a bit string (query bits are validated by the
 * backend, whose messages never contain them).
 */
import { extname } from 'node:path'
import type { Encoding } from '../sketch/bits.js'
import type { LoadFormat } from '../ingest/index.js'

/** A bad flag or argument: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const ENCODINGS: readonly Encoding[] = ['binary', 'hex', 'base64']
export const FORMATS: readonly LoadFormat[] = ['text', 'csv', 'ndjson', 'packed', 'clkhash']
export { METRICS } from '../sketch/mechanisms/mechanism.js'
export type { Metric as MetricFlag } from '../sketch/mechanisms/mechanism.js'

export function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer`)
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer between ${min} and ${max}`)
  }
  return value
}

export function number(flag: string, text: string, check: (v: number) => boolean, requirement: string): number {
  const value = Number(text.trim())
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`${flag} must be ${requirement}`)
  return value
}

/**
 * An ε flag, kept as the decimal text the user typed so that it is charged exactly as written
 * (the backend parses it to micro-ε); only its shape is checked here.
 */
export function epsilon(flag: string, text: string): string {
  const trimmed = text.trim()
  if (!/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) || Number(trimmed) <= 0) {
    throw new UsageError(`${flag} must be a positive decimal number such as 0.5 or 1e-3`)
  }
  return trimmed
}

export function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`)
  return text as T
}

/** A comma-separated list, each item checked by `item`, duplicates removed. */
export function list<T>(flag: string, text: string, item: (value: string) => T): T[] {
  const parts = text.split(',').map((s) => s.trim())
  if (parts.some((p) => p === '')) throw new UsageError(`${flag} must be a comma-separated list without empty items`)
  return [...new Set(parts.map(item))]
}

/**
 * `--option key=value` pairs of a mechanism. Values that read as JSON scalars (numbers, true,
 * false, null) or JSON arrays/objects are passed as such; anything else is a string.
 */
export function mechanismOptions(pairs: string[]): Record<string, unknown> | undefined {
  if (pairs.length === 0) return undefined
  const out: Record<string, unknown> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError('--option must be key=value')
    const key = pair.slice(0, eq).trim()
    const raw = pair.slice(eq + 1).trim()
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError('--option keys are letters, digits and "_"')
    if (Object.hasOwn(out, key)) throw new UsageError(`--option ${key} is given twice`)
    out[key] = jsonScalar(raw)
  }
  return out
}

function jsonScalar(raw: string): unknown {
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(raw) || /^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown
    } catch {
      throw new UsageError('--option value is not valid JSON')
    }
  }
  return raw
}

/** Collects a repeatable flag. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

const FORMAT_BY_EXTENSION: Record<string, LoadFormat> = {
  '.txt': 'text',
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.bin': 'packed',
  '.packed': 'packed',
  '.json': 'clkhash',
}

/** The load format implied by a file name's extension, if any. */
export function formatFromExtension(path: string): LoadFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()]
}
