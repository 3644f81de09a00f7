import t from 'tap'
import { badInputRecords, checkBadCases, type BadCase } from './support.js'

t.test('every bad csv input throws RecordFormatError naming the record, without the bits', async (t) => {
  const { bin, hex, b64 } = badInputRecords()
  const cases: BadCase[] = [
    // Wrong length, reported with the line (blank lines counted) and the id.
    { name: 'hex wrong length', format: 'csv', encoding: 'hex', input: `r0,${hex[0]}ab\n`, index: 0, line: 1, message: /^line 1 \(record "r0"\): expected 16 hex characters for 64 bits, got 18$/ },
    // Bad characters.
    { name: 'bad base64 char', format: 'csv', encoding: 'base64', input: `id,bits\nr0,${b64[0]}\nr1,!${b64[1].slice(1)}\n`, index: 1, line: 3, message: /^line 3 \(record "r1"\): invalid character at position 0$/ },
    // Duplicate ids name the id and both lines.
    { name: 'duplicate id csv quoted', format: 'csv', input: `"a,b",${bin[0]}\na,${bin[1]}\n"a,b",${bin[2]}\n`, index: 2, line: 3, message: /^line 3 \(record "a,b"\): duplicate id, first seen on line 1$/ },
    // Empty and malformed ids.
    { name: 'empty id csv', format: 'csv', input: `r0,${bin[0]}\n,${bin[1]}\n`, index: 1, line: 2, message: /^line 2: empty id$/ },
    { name: 'id too long', format: 'csv', input: `${'x'.repeat(257)},${bin[0]}\n`, index: 0, line: 1, message: /^line 1: id longer than 256 characters$/ },
    // CSV structure.
    { name: 'duplicate header', format: 'csv', input: `id,bits\nr0,${bin[0]}\nID,Bits\n`, index: 1, line: 3, message: /^line 3: duplicate header/ },
    { name: 'late header', format: 'csv', input: `r0,${bin[0]}\nid,bits\n`, index: 1, line: 2, message: /^line 2: header after the first record$/ },
    { name: 'three fields', format: 'csv', input: `r0,${bin[0]},x\n`, index: 0, line: 1, message: /^line 1: expected 2 fields "id,bits", got 3$/ },
    { name: 'one field', format: 'csv', input: `${bin[0]}\n`, index: 0, line: 1, message: /^line 1: expected 2 fields "id,bits", got 1$/ },
    { name: 'unterminated quote', format: 'csv', input: `"r0,${bin[0]}\n`, index: 0, line: 1, message: /unterminated quoted field 1/ },
    { name: 'quote in unquoted field', format: 'csv', input: `r"0,${bin[0]}\n`, index: 0, line: 1, message: /quote inside unquoted field 1/ },
    { name: 'junk after quoted field', format: 'csv', input: `"r0"x,${bin[0]}\n`, index: 0, line: 1, message: /unexpected character after quoted field 1/ },
  ]
  await checkBadCases(t, cases)
})
