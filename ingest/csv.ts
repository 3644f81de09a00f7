/**
 * `csv`: `id,bits` per line, an optional first line `id,bits` (any case), fields optionally
 * double-quoted with `""` for a quote inside (RFC 4180 quoting, no line breaks inside fields).
 */
import type { Encoding } from '../sketch/bits.js'
import type { LineHandler } from './lines.js'
import type { RecordBuilder } from './records.js'

export function csvLineHandler(records: RecordBuilder, encoding: Encoding): LineHandler {
  let headerLine = 0
  let sawData = false
  return (text, line) => {
    const fields = splitCsv(text, records, line)
    if (fields.length !== 2) records.fail(`expected 2 fields "id,bits", got ${fields.length}`, line)
    const [id, bits] = fields
    if (id.toLowerCase() === 'id' && bits.toLowerCase() === 'bits') {
      if (headerLine !== 0) records.fail(`duplicate header (first on line ${headerLine})`, line)
      if (sawData) records.fail('header after the first record', line)
      headerLine = line
      return
    }
    sawData = true
    records.add(id, bits, encoding, line)
  }
}

/** Splits one CSV line into its fields. */
function splitCsv(text: string, records: RecordBuilder, line: number): string[] {
  if (!text.includes('"')) {
    const comma = text.indexOf(',')
    if (comma === -1) return [text]
    if (text.indexOf(',', comma + 1) === -1) return [text.slice(0, comma), text.slice(comma + 1)]
    return text.split(',')
  }
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = ''
      let from = i + 1
      for (;;) {
        const quote = text.indexOf('"', from)
        if (quote === -1) records.fail(`unterminated quoted field ${fields.length + 1}`, line)
        value += text.slice(from, quote)
        if (text.charCodeAt(quote + 1) === 0x22) {
          value += '"'
          from = quote + 2
          continue
        }
        i = quote + 1
        break
      }
      fields.push(value)
      if (i === text.length) return fields
      if (text.charCodeAt(i) !== 0x2c) records.fail(`unexpected character after quoted field ${fields.length}`, line)
      i++
    } else {
      const comma = text.indexOf(',', i)
      const value = text.slice(i, comma === -1 ? text.length : comma)
      if (value.includes('"')) records.fail(`quote inside unquoted field ${fields.length + 1}`, line)
      fields.push(value)
      if (comma === -1) return fields
      i = comma + 1
    }
    if (i === text.length) {
      fields.push('')
      return fields
    }
  }
}
