/**
 * `ndjson`: one object per line `{"id"?: string | integer, "bits": string, "encoding"?: ...}`; a
 * line's `encoding` overrides the stream's; any other key is an error. Each line is short (bounded
 * by the line reader), so it is parsed whole with JSON.parse.
 */
import type { Encoding } from '../sketch/bits.js'
import type { LineHandler } from './lines.js'
import { ENCODINGS, showable, type RecordBuilder } from './records.js'

const NDJSON_KEYS = new Set(['id', 'bits', 'encoding'])

export function ndjsonLineHandler(records: RecordBuilder, defaultEncoding: Encoding): LineHandler {
  return (text, line) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      records.fail('invalid JSON', line)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      records.fail('expected a JSON object {"id", "bits"}', line)
    }
    const object = value as Record<string, unknown>
    for (const key of Object.keys(object)) {
      if (!NDJSON_KEYS.has(key)) {
        const named = key.length <= 64 && showable(key, records.n) ? ` ${JSON.stringify(key)}` : ''
        records.fail(`unknown key${named} (allowed: "id", "bits", "encoding")`, line)
      }
    }
    const id = recordId(object, records, line)
    if (!Object.hasOwn(object, 'bits')) records.fail('missing "bits"', line, id)
    const bits = object.bits
    if (typeof bits !== 'string') records.fail('"bits" must be a string', line, id)
    let encoding = defaultEncoding
    if (Object.hasOwn(object, 'encoding')) {
      const raw = object.encoding
      if (typeof raw !== 'string' || !(ENCODINGS as readonly string[]).includes(raw)) {
        records.fail('"encoding" must be "binary", "hex" or "base64"', line, id)
      }
      encoding = raw as Encoding
    }
    records.add(id, bits, encoding, line)
  }
}

/** The line's id: a string, or a safe integer as its decimal string; null without one. */
function recordId(object: Record<string, unknown>, records: RecordBuilder, line: number): string | null {
  if (!Object.hasOwn(object, 'id')) return null
  const raw = object.id
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw)
  if (typeof raw === 'number') records.fail('numeric "id" must be an integer below 2^53; send other ids as strings', line)
  records.fail('"id" must be a string or an integer', line)
}
