import t from 'tap'
import { RecordFormatError } from '../../ingest/index.js'
import { parseError } from './support.js'

// The record builder (ingest/records.ts): the duplicate-id table.

t.test('duplicate ids are found after the id table has grown many times', async (t) => {
  const n = 8
  const lines = Array.from({ length: 50_000 }, (_, i) => `id-${i},${i % 2 ? 'ff' : '0f'}`)
  lines.push('id-12345,00')
  const error = await parseError([lines.join('\n')], { format: 'csv', n, encoding: 'hex' })
  t.ok(error instanceof RecordFormatError)
  t.equal((error as RecordFormatError).message, 'line 50001 (record "id-12345"): duplicate id, first seen on line 12346')
  t.equal((error as RecordFormatError).recordIndex, 50_000)
  t.equal((error as RecordFormatError).recordId, 'id-12345')
})
