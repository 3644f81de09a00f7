import t from 'tap'
import seedrandom from 'seedrandom'
import { parseRecordStream, RecordFormatError } from '../../ingest/index.js'
import {
  awkwardChunks,
  badInputRecords,
  checkBadCases,
  makeIds,
  parseAll,
  parseMeasuringMemory,
  randomBlock,
  randomRecordBytes,
  sameRecords,
  serialize,
  type BadCase,
} from './support.js'

t.test('10 000 clkhash CLKs round trip, boundaries inside the JSON strings', async (t) => {
  const n = 1024
  const rng = seedrandom('clkhash')
  const recs = Array.from({ length: 10_000 }, () => ({ id: null, bytes: randomRecordBytes(n, rng) }))
  for (const indent of [undefined, 2]) {
    const input = serialize('clkhash', recs, n, 'base64', { indent })
    const chunks = awkwardChunks(input, rng, 120)
    const { records, batchSizes } = await parseAll(chunks, { format: 'clkhash', n, batchSize: 3000 })
    sameRecords(t, records, recs, `clkhash indent=${indent}`)
    t.same(batchSizes, [3000, 3000, 3000, 1000])
  }
})

t.test('clkhash one-byte chunks, after a byte-order mark', async (t) => {
  const n = 20
  const rng = seedrandom('tiny')
  const anonymous = makeIds(60).map(() => ({ id: null, bytes: randomRecordBytes(n, rng) }))
  const body = serialize('clkhash', anonymous, n, 'base64', { indent: 1 })
  const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body])
  const { records } = await parseAll(Array.from(input, (b) => Uint8Array.of(b)), { format: 'clkhash', n })
  sameRecords(t, records, anonymous, 'clkhash one-byte chunks')
})

t.test('clkhash: escapes in strings and keys, "\\/" in base64, other keys of any type ignored', async (t) => {
  const n = 16
  // "\u0063lks" is "clks"; "\/" is "/" and "\u003d" is "=".
  const doc = ' {"a":{"clks":["not this one"]},"\\u0063lks":["\\/\\/8\\u003d","AAA="],"z":[[],{}]} \n'
  const { records } = await parseAll([doc], { format: 'clkhash', n })
  t.same(
    records.map((r) => Array.from(r.bytes)),
    [
      [0xff, 0xff],
      [0, 0],
    ],
  )
  const empty = await parseAll(['{"clks": []}'], { format: 'clkhash', n })
  t.same(empty.records, [])
})

t.test('every bad clkhash input throws RecordFormatError naming the record, without the bits', async (t) => {
  const { b64 } = badInputRecords()
  const cases: BadCase[] = [
    // clkhash JSON.
    { name: 'clkhash truncated', format: 'clkhash', input: `{"clks": ["${b64[0]}", "${b64[1].slice(0, 4)}`, index: 1, line: 1, message: /^malformed clkhash JSON at byte \d+ \(line 1\): input ends before the JSON document is complete$/ },
    { name: 'clkhash trailing comma', format: 'clkhash', input: `{"clks": ["${b64[0]}",]}`, index: 1, line: 1, message: /trailing comma/ },
    { name: 'clkhash number element', format: 'clkhash', input: `{"clks": ["${b64[0]}", 12]}`, index: 1, line: 1, message: /^record 1: expected a base64 string$/ },
    { name: 'clkhash bad base64', format: 'clkhash', input: `{"clks": [\n"${b64[0]}",\n"${b64[1].slice(0, 10)}"]}`, index: 1, line: 3, message: /^record 1: expected 12 \(or 11 without padding\) base64 characters for 64 bits, got 10$/ },
    { name: 'clkhash no clks', format: 'clkhash', input: `{"clk": ["${b64[0]}"]}`, index: 0, line: null, message: /no "clks" array/ },
    { name: 'clkhash clks not array', format: 'clkhash', input: `{"clks": "${b64[0]}"}`, index: 0, line: 1, message: /"clks" must be an array/ },
    { name: 'clkhash duplicate clks', format: 'clkhash', input: `{"clks": ["${b64[0]}"], "clks": []}`, index: 1, line: 1, message: /duplicate "clks" key/ },
    { name: 'clkhash top-level array', format: 'clkhash', input: `["${b64[0]}"]`, index: 0, line: 1, message: /expected a JSON object/ },
    { name: 'clkhash data after document', format: 'clkhash', input: `{"clks": []} {}`, index: 0, line: 1, message: /unexpected data after the JSON document/ },
    { name: 'clkhash bad escape', format: 'clkhash', input: `{"x": "\\q", "clks": []}`, index: 0, line: 1, message: /invalid escape/ },
    { name: 'clkhash bad literal', format: 'clkhash', input: `{"x": tru, "clks": []}`, index: 0, line: 1, message: /invalid number or literal/ },
    { name: 'clkhash missing colon', format: 'clkhash', input: `{"clks" ["${b64[0]}"]}`, index: 0, line: 1, message: /expected ":"/ },
    { name: 'clkhash raw newline in string', format: 'clkhash', input: `{"clks": ["${b64[0].slice(0, 4)}\n${b64[0].slice(4)}"]}`, index: 0, line: 1, message: /line break inside a string/ },
    { name: 'clkhash string too long', format: 'clkhash', input: `{"clks": ["${'A'.repeat(500)}"]}`, index: 0, line: 1, message: /^record 0: string too long for 64 bits$/ },
    { name: 'clkhash empty', format: 'clkhash', input: '', index: 0, line: 1, message: /empty input/ },
    // A token the tokenizer cannot finish is first judged by where it stands.
    { name: 'clkhash unfinished number as element', format: 'clkhash', input: `{"clks": ["${b64[0]}",\n -`, index: 1, line: 2, message: /^record 1: expected a base64 string$/ },
    { name: 'clkhash unterminated top-level string', format: 'clkhash', input: `\n "${b64[0]}`, index: 0, line: 2, message: /^malformed clkhash JSON at byte 2 \(line 2\): expected a JSON object/ },
    { name: 'clkhash stray byte as element', format: 'clkhash', input: `{"clks": ["${b64[0]}", x]}`, index: 1, line: 1, message: /^record 1: expected a base64 string$/ },
    { name: 'clkhash stray byte after key', format: 'clkhash', input: `{"clks" x`, index: 0, line: 1, message: /^malformed clkhash JSON at byte 8 \(line 1\): expected ":"$/ },
    { name: 'clkhash stray byte after value', format: 'clkhash', input: `{"clks": [] x}`, index: 0, line: 1, message: /expected "," or "}"$/ },
    { name: 'clkhash two CLKs without comma', format: 'clkhash', input: `{"clks": ["${b64[0]}" "${b64[1]}"]}`, index: 1, line: 1, message: /expected "," or "]"$/ },
    // Lexical problems the tokenizer finds, in this file's words.
    { name: 'clkhash control character', format: 'clkhash', input: `{"a": "x\u0001y", "clks": []}`, index: 0, line: 1, message: /^malformed clkhash JSON at byte 8 \(line 1\): control character inside a string$/ },
    { name: 'clkhash bad \\u escape', format: 'clkhash', input: `{"a": "\\u12x4", "clks": []}`, index: 0, line: 1, message: /invalid \\u escape in string$/ },
    { name: 'clkhash incomplete byte-order mark', format: 'clkhash', input: Buffer.from([0xef, 0xbb, 0x7b, 0x7d]), index: 0, line: 1, message: /incomplete byte-order mark$/ },
    { name: 'clkhash invalid UTF-8 in a CLK', format: 'clkhash', input: Buffer.concat([Buffer.from(`{"clks": [\n"${b64[0]}",\n  "`), Buffer.from([0xff, 0x41, 0x41, 0x41, 0x22, 0x5d, 0x7d])]), index: 1, line: 3, message: /^record 1: invalid UTF-8$/ },
    { name: 'clkhash invalid UTF-8 elsewhere', format: 'clkhash', input: Buffer.concat([Buffer.from('{"clks": [],\n "a": "b'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), index: 0, line: 2, message: /^malformed clkhash JSON at byte 19 \(line 2\): invalid UTF-8 in a string$/ },
    // Limits.
    { name: 'clkhash nesting too deep', format: 'clkhash', input: `{"a": ${'['.repeat(300)}`, index: 0, line: 1, message: /nesting deeper than 256$/ },
    { name: 'clkhash number too long', format: 'clkhash', input: `{"a": 1${'0'.repeat(600)}, "clks": []}`, index: 0, line: 1, message: /^malformed clkhash JSON at byte 6 \(line 1\): number or literal too long$/ },
  ]
  await checkBadCases(t, cases)
})

t.test('a large clkhash stream is parsed as it arrives, in bounded memory', async (t) => {
  // 400 001 CLKs of 1024 bits (70 MB of JSON) produced on the fly in 0.3 MB and 0.6 MB chunks that
  // end inside strings; the consumer drops each batch. The parser must hand out records while the
  // input is still coming, never holding more than about one chunk of unparsed input, and retain a
  // small constant: holding the document (or the parsed records) would retain at least 64 MB.
  const n = 1024
  const block = randomBlock('big', 5000 * 128)
  const clk = (i: number): string => block.toString('base64', i * 128, (i + 1) * 128)
  const clkBytes = 176 // "<172 base64 characters>", and a space
  const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `"${clk(i)}", `).join(''))
  const blocks = 80
  let produced = 0
  let sourceEnded = false
  async function* source(): AsyncGenerator<Uint8Array> {
    const pieces = [Buffer.from('{"clks": ['), ...Array.from({ length: blocks }, () => [text.subarray(0, 333_333), text.subarray(333_333)]).flat(), Buffer.from(`"${clk(0)}"]}`)]
    for (const piece of pieces) {
      produced += piece.length
      yield piece
    }
    sourceEnded = true
  }
  let firstBatchAt = -1
  let worstAhead = 0
  const { count, batches, worst } = await parseMeasuringMemory(source(), { format: 'clkhash', n }, (records) => {
    if (firstBatchAt < 0) firstBatchAt = produced
    worstAhead = Math.max(worstAhead, produced - records * clkBytes)
  })
  t.equal(count, blocks * 5000 + 1, 'all records')
  t.ok(sourceEnded, 'the whole input was read')
  // A batch is 4096 records: it can come out once their bytes and at most one more chunk are read.
  t.ok(firstBatchAt > 0 && firstBatchAt <= 4096 * clkBytes + 700_000, `the first batch came after ${firstBatchAt} of ${produced} bytes`)
  t.ok(worstAhead < 700_000 + 4096 * clkBytes, `at most ${worstAhead} bytes read ahead of the records handed out`)
  t.ok(batches >= 60, 'measured while parsing')
  t.ok(worst < 16 * 2 ** 20, `at most ${(worst / 2 ** 20).toFixed(1)} MB retained while parsing ${(produced / 2 ** 20).toFixed(0)} MB`)
})

t.test('a token or whitespace run without end is rejected at the limit, without reading further', async (t) => {
  const limit = 1 << 20
  // A string whose every chunk ends right after a backslash (the tokenizer reports nothing until
  // the string ends), an endless number, and endless whitespace.
  const endless: [string, string, string][] = [
    ['string', '{"clks": [], "note": "', `n${'x'.repeat(4094)}\\`],
    ['number', '{"clks": [], "note": 1', '0'.repeat(4096)],
    ['whitespace', '{"clks": [', ' \n'.repeat(2048)],
  ]
  for (const [label, opening, body] of endless) {
    let chunksRead = 0
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(opening)
      const chunk = Buffer.from(body)
      for (;;) {
        chunksRead++
        yield chunk
      }
    }
    const error = await parseRecordStream(source(), { format: 'clkhash', n: 1024 })
      .next()
      .then(
        () => null,
        (e: unknown) => e,
      )
    t.ok(error instanceof RecordFormatError, `${label}: RecordFormatError`)
    t.match((error as Error).message, new RegExp(`^malformed clkhash JSON at byte \\d+ \\(line \\d+\\): a token or whitespace run longer than ${limit} bytes$`), `${label}: message`)
    t.ok(chunksRead <= limit / 4096 + 2, `${label}: stopped after ${chunksRead} chunks of 4 KiB`)
  }
})

t.test('long values outside "clks" below the limit are read and ignored', async (t) => {
  const note = 'a'.repeat(600_000)
  const escaped = '\\n'.repeat(300_000)
  const doc = Buffer.from(`{"note": "${note}", "escaped": "${escaped}", "list": [${'1, '.repeat(100_000)}2], "clks": ["AAA=", "//8="]}`)
  for (const size of [doc.length, 65_536, 1_000]) {
    const chunks = Array.from({ length: Math.ceil(doc.length / size) }, (_, i) => doc.subarray(i * size, (i + 1) * size))
    const { records } = await parseAll(chunks, { format: 'clkhash', n: 16 })
    t.same(
      records.map((r) => Array.from(r.bytes)),
      [
        [0, 0],
        [0xff, 0xff],
      ],
      `chunks of ${size} bytes`,
    )
  }
})
