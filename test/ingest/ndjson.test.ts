import t from 'tap'
import { badInputRecords, checkBadCases, parseAll, type BadCase } from './support.js'

t.test('every bad ndjson input throws RecordFormatError naming the record, without the bits', async (t) => {
  const { bin, b64 } = badInputRecords()
  const cases: BadCase[] = [
    // Bad characters.
    { name: 'base64 non-canonical trailing bits', format: 'ndjson', encoding: 'base64', input: `{"id":"r0","bits":"${b64[0].slice(0, 10)}B="}\n`, index: 0, line: 1, message: /non-zero trailing bits/ },
    // NDJSON structure.
    { name: 'bad JSON line', format: 'ndjson', input: `{"id":"r0","bits":"${bin[0]}"}\n{"id":"r1","bits":"${bin[1]}"\n`, index: 1, line: 2, message: /^line 2: invalid JSON$/ },
    { name: 'JSON not an object', format: 'ndjson', input: `["${bin[0]}"]\n`, index: 0, line: 1, message: /^line 1: expected a JSON object/ },
    { name: 'unknown key', format: 'ndjson', input: `{"id":"r0","bits":"${bin[0]}","bitz":1}\n`, index: 0, line: 1, message: /^line 1: unknown key "bitz"/ },
    { name: 'unknown key that is bits', format: 'ndjson', input: `{"${bin[1]}":1,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /^line 1: unknown key \(allowed/ },
    { name: 'missing bits', format: 'ndjson', input: `{"id":"r0"}\n`, index: 0, line: 1, message: /^line 1 \(record "r0"\): missing "bits"$/ },
    { name: 'bits not a string', format: 'ndjson', input: `{"id":"r0","bits":101}\n`, index: 0, line: 1, message: /"bits" must be a string/ },
    { name: 'bad per-line encoding', format: 'ndjson', input: `{"bits":"${bin[0]}","encoding":"base32"}\n`, index: 0, line: 1, message: /"encoding" must be/ },
    { name: 'fractional numeric id', format: 'ndjson', input: `{"id":1.5,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /numeric "id" must be an integer/ },
    { name: 'unsafe numeric id', format: 'ndjson', input: `{"id":12345678901234567890,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /numeric "id" must be an integer/ },
    { name: 'null id', format: 'ndjson', input: `{"id":null,"bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /"id" must be a string or an integer/ },
    // Duplicate ids name the id and both lines.
    { name: 'duplicate numeric id ndjson', format: 'ndjson', input: `{"id":7,"bits":"${bin[0]}"}\n{"id":"7","bits":"${bin[1]}"}\n`, index: 1, line: 2, message: /duplicate id, first seen on line 1/ },
    // Empty and malformed ids.
    { name: 'empty id ndjson', format: 'ndjson', input: `{"id":"","bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /^line 1: empty id$/ },
    { name: 'control char in id', format: 'ndjson', input: `{"id":"a\\u0007b","bits":"${bin[0]}"}\n`, index: 0, line: 1, message: /control/ },
    { name: 'mixed ids ndjson', format: 'ndjson', input: `{"bits":"${bin[0]}"}\n{"id":"x","bits":"${bin[1]}"}\n`, index: 1, line: 2, message: /has an id but earlier records have none/ },
  ]
  await checkBadCases(t, cases)
})

t.test('ids: numbers become decimal strings; ids are kept verbatim', async (t) => {
  const { records } = await parseAll(['{"id": 42, "bits": "ff"}\n{"id": -7, "bits": "00"}\n{"id": " x ", "bits": "0f"}\n'], {
    format: 'ndjson',
    n: 8,
    encoding: 'hex',
  })
  t.same(
    records.map((r) => r.id),
    ['42', '-7', ' x '],
  )
})
