import t from 'tap'
import { badInputRecords, checkBadCases, type BadCase } from './support.js'

t.test('every bad text input throws RecordFormatError naming the record, without the bits', async (t) => {
  const { bin, hex, n60, hex60 } = badInputRecords()
  const cases: BadCase[] = [
    // Wrong length, reported with the line (blank lines counted) and the id.
    { name: 'text short', format: 'text', input: `${bin[0]}\n\n${bin[1].slice(1)}\n`, index: 1, line: 3, message: /^line 3: expected 64 bits, got 63$/ },
    { name: 'text long with id', format: 'text', input: `r0\t${bin[0]}\nr1\t${bin[1]}0\n`, index: 1, line: 2, message: /^line 2 \(record "r1"\): expected 64 bits, got 65$/, recordId: 'r1' },
    // Bad characters.
    { name: 'binary bad char', format: 'text', input: `${bin[0].slice(0, 5)}2${bin[0].slice(6)}\n`, index: 0, line: 1, message: /^line 1: invalid character at position 5$/ },
    { name: 'hex bad char', format: 'text', encoding: 'hex', input: `r0\t${hex[0].slice(0, 15)}g\n`, index: 0, line: 1, message: /invalid character at position 15/ },
    { name: 'hex non-zero padding', format: 'text', n: n60, encoding: 'hex', input: `${hex60.slice(0, 14)}f1\n`, index: 0, line: 1, message: /^line 1: non-zero padding bits after bit 59$/ },
    // Duplicate ids name the id and both lines.
    { name: 'duplicate id text', format: 'text', input: `r0\t${bin[0]}\nr1\t${bin[1]}\n\nr0\t${bin[2]}\n`, index: 2, line: 4, message: /^line 4 \(record "r0"\): duplicate id, first seen on line 1$/, recordId: 'r0' },
    // Empty and malformed ids.
    { name: 'empty id text', format: 'text', input: `\t${bin[0]}\n`, index: 0, line: 1, message: /^line 1: empty id$/ },
    { name: 'two tabs', format: 'text', input: `r0\t${bin[0]}\tx\n`, index: 0, line: 1, message: /more than one tab/ },
    { name: 'mixed ids', format: 'text', input: `r0\t${bin[0]}\n${bin[1]}\n`, index: 1, line: 2, message: /no id but earlier records have ids \(line 1\)/ },
    // Swapped columns: the "id" is a bit string and must not be shown.
    { name: 'swapped bits and id', format: 'text', encoding: 'hex', input: `${hex[0]}\tr0\n`, index: 0, line: 1, message: /^line 1: expected 16 hex characters for 64 bits, got 2$/, recordId: null },
    // Encoding-level problems.
    { name: 'invalid UTF-8', format: 'text', input: Buffer.concat([Buffer.from(`r0\t${bin[0]}\nr`), Buffer.from([0xff]), Buffer.from(`\t${bin[1]}\n`)]), index: 1, line: 2, message: /^line 2: invalid UTF-8$/ },
  ]
  await checkBadCases(t, cases)
})
