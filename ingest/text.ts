/** `text`: one bit string per line in the stream's encoding, optionally `id<TAB>bits`. */
import type { Encoding } from '../sketch/bits.js'
import type { LineHandler } from './lines.js'
import type { RecordBuilder } from './records.js'

export function textLineHandler(records: RecordBuilder, encoding: Encoding): LineHandler {
  return (text, line) => {
    const tab = text.indexOf('\t')
    if (tab === -1) {
      records.add(null, text, encoding, line)
      return
    }
    const id = text.slice(0, tab)
    const bits = text.slice(tab + 1)
    if (bits.includes('\t')) {
      records.checkId(id, line)
      records.fail('expected "bits" or "id<TAB>bits", found more than one tab', line, id)
    }
    records.add(id, bits, encoding, line)
  }
}
