/**
 * `dpdist` end to end on a local database file: real processes (node dist/cli/main.js), 10 000
 * records of 1024 bits in every load format, an all-or-nothing failure, a charged build, queries and
 * the ledger. Noise comes from the production source inside the child process, so the accuracy
 * checks use bounds of six predicted standard deviations (failure probability below 10^-8).
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { dpdist, dpdistJson, ensureBuilt, oneErrorLine, tempDir, writeRecordFiles } from './cli-harness.js'

ensureBuilt()
const M = 10_000
const N = 1024
const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const db = join(dir, 'data', 'local.db')
const files = writeRecordFiles(dir, M, N)
const local = (args: string[]) => dpdist(['--db', db, ...args])
const localJson = <T = Record<string, unknown>>(args: string[]) => dpdistJson<T>(['--db', db, ...args])

interface Summary {
  name: string
  records: number
  bits: number
}


t.test('read commands refuse a database that does not exist', async (t) => {
  const r = await dpdist(['--db', join(dir, 'nope.db'), 'dataset', 'list'])
  t.equal(r.code, 1)
  oneErrorLine(t, r.stderr, /no database at/)
  t.equal(r.stdout, '')
})

t.test('dataset create, list and show', async (t) => {
  const created = await localJson<Summary>(['dataset', 'create', 'people', '--bits', String(N), '--budget', '10'])
  t.match(created.json, { name: 'people', bits: N, records: 0, retainRaw: false, metrics: ['hamming', 'edit'] })
  const raw = await local(['dataset', 'create', 'raw', '--bits', String(N), '--budget', '3', '--retain-raw', '--metrics', 'hamming', '--unit-bits', '2'])
  t.equal(raw.code, 0, raw.stderr)
  t.match(raw.stdout, /created dataset raw: 1024-bit records/)
  const dup = await local(['dataset', 'create', 'people', '--bits', '8', '--budget', '1'])
  t.equal(dup.code, 1)
  oneErrorLine(t, dup.stderr, /already exists/)
  const list = await local(['dataset', 'list'])
  t.match(list.stdout, /^name\s+bits\s+unit bits\s+records/m)
  t.match(list.stdout, /^people\s+1024\s+1\s+0\s+hamming,edit/m)
  t.match(list.stdout, /^raw\s+1024\s+2\s+0\s+hamming\s+retained/m)
})

t.test('load 10 000 records in each format; counts add up', async (t) => {
  const loads: [string, string[]][] = [
    ['text (binary)', [files.textBinary]],
    ['text (hex, ids)', [files.textHex, '--encoding', 'hex']],
    ['csv', [files.csv]],
    ['ndjson', [files.ndjson]],
    ['packed', [files.packed]],
    ['clkhash', [files.clkhash]],
  ]
  let expected = 0
  for (const [label, args] of loads) {
    const { json } = await localJson<{ loaded: number; records: number; format: string }>(['load', 'people', ...args])
    expected += M
    t.equal(json.loaded, M, `${label}: loaded`)
    t.equal(json.records, expected, `${label}: total`)
  }
  // One process at a time writes: opening the database runs crash recovery, which removes the
  // pending (uncommitted) rows of any upload, including one in flight in another process.
  const humanResult = await local(['load', 'raw', files.csv])
  t.equal(humanResult.code, 0, humanResult.stderr)
  t.match(humanResult.stdout, /loaded 10 000 records into raw \(csv\); it now holds 10 000 records/)
  t.equal(humanResult.stderr, '', 'no progress output when stderr is not a terminal')
  const [show, list] = await Promise.all([
    localJson<Summary>(['dataset', 'show', 'people']),
    localJson<{ datasets: Summary[] }>(['dataset', 'list']),
  ])
  t.equal(show.json.records, 6 * M)
  t.same(list.json.datasets.map((d) => [d.name, d.records]).sort(), [['people', 6 * M], ['raw', M]])
})

t.test('a bad line aborts the whole file and keeps nothing', async (t) => {
  const r = await local(['load', 'people', files.badLine, '--format', 'text'])
  t.not(r.code, 0)
  oneErrorLine(t, r.stderr, /line 5003\b.*expected 1024 bits, got 1023/)
  t.equal(r.stdout, '')
  const show = await localJson<Summary>(['dataset', 'show', 'people'])
  t.equal(show.json.records, 6 * M, 'the count is unchanged')
  // The same ids again: the database refuses the duplicates, again all or nothing.
  const dup = await local(['load', 'people', files.csv])
  t.equal(dup.code, 1)
  oneErrorLine(t, dup.stderr, /duplicate id/)
  t.equal((await localJson<Summary>(['dataset', 'show', 'people'])).json.records, 6 * M)
})

t.test('flag validation: one line, exit code 2, no charge', async (t) => {
  const cases: [string[], RegExp][] = [
    [['dataset', 'create', 'x', '--bits', 'abc', '--budget', '1'], /--bits must be a positive integer/],
    [['dataset', 'create', 'x', '--bits', '8'], /required option '--budget <epsilon>' not specified/],
    [['sketch', 'build', 'people', '--metric', 'cosine', '--epsilon', '1', '--k', '4'], /--metric must be one of hamming, edit/],
    [['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '-1', '--k', '4'], /--epsilon must be a positive decimal/],
    [['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '1', '--k', '4', '--no-wait'], /--no-wait needs a server/],
    [['load', 'people', join(dir, 'records.unknown')], /cannot read .*no such file/],
    [['load', 'people', files.packed, '--encoding', 'hex'], /--encoding applies to text, csv and ndjson/],
    [['query', 'people', '--metric', 'hamming', '--bits', files.query, '--epsilon', '1'], /--epsilon applies only to --mechanism geometric/],
    [[files.query], /unknown command '<1024 characters>'/],
    [['--url', 'http://127.0.0.1:9', '--db', db, 'dataset', 'list'], /either --db .* or --url/],
  ]
  // Independent and read-only: run them side by side.
  const results = await Promise.all(cases.map(([args]) => local(args)))
  results.forEach((r, i) => {
    t.equal(r.code, 2, `exit code 2 for ${cases[i][1].source}`)
    oneErrorLine(t, r.stderr, cases[i][1])
    t.equal(r.stdout, '')
  })
  t.equal((await localJson<{ spent: number }>(['budget', 'people'])).json.spent, 0, 'nothing was charged')
})

interface Estimate {
  epsilon: number
  predictedSd: { atZero: number; atHalfK: number; atK: number }
  minEpsilonForTargetSd?: number | null
}
interface Sketch {
  id: string
  status: string
  records: number
  epsilon: number
  predictedSd: { atZero: number; atHalfK: number; atK: number }
}
interface Answer {
  epsilonCharged: number
  mechanism: string
  sketch: { id: string } | null
  results: { id: string; estimate: number; ciLow: number; ciHigh: number; status: string }[]
}

let sketch: Sketch

t.test('sketch estimate (free), build (charged, waits), status and list', async (t) => {
  const [est, human] = await Promise.all([
    localJson<Estimate>(['sketch', 'estimate', 'people', '--metric', 'hamming', '--epsilon', '5', '--k', '64', '--target-sd', '4']),
    local(['sketch', 'estimate', 'people', '--metric', 'hamming', '--epsilon', '5', '--k', '64']),
  ])
  t.equal(est.json.epsilon, 5)
  t.ok(est.json.predictedSd.atK > 0)
  t.type(est.json.minEpsilonForTargetSd, 'number')
  t.match(human.stdout, /dry run: nothing was charged/)
  t.equal((await localJson<{ spent: number }>(['budget', 'people'])).json.spent, 0)

  const t0 = performance.now()
  const built = await localJson<Sketch>(['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '5', '--k', '64'])
  t.comment(`local build of ${6 * M} records took ${Math.round(performance.now() - t0)} ms (process included)`)
  sketch = built.json
  t.equal(sketch.status, 'ready', 'the command returns once the build is done')
  t.equal(sketch.records, 6 * M)
  t.equal(built.result.stderr, '')
  const [status, list, sealed] = await Promise.all([
    localJson<Sketch>(['sketch', 'status', 'people', sketch.id]),
    local(['sketch', 'list', 'people']),
    // Raw bits were not retained: the dataset is sealed now.
    local(['load', 'people', files.packed]),
  ])
  t.equal(status.json.status, 'ready')
  t.match(list.stdout, new RegExp(`^${sketch.id}\\s+hamming\\s+parity\\s+ready\\s+5\\s+64\\s+60 000`, 'm'))
  t.equal(sealed.code, 1)
  oneErrorLine(t, sealed.stderr, /sealed/)
})

t.test('query: the planted record comes first, free of charge', async (t) => {
  const [{ json }, human, bad] = await Promise.all([
    localJson<Answer>(['query', 'people', '--metric', 'hamming', '--bits', files.query, '--top', '5']),
    local(['query', 'people', '--metric', 'hamming', '--bits', files.query, '--top', '3']),
    local(['query', 'people', '--metric', 'hamming', '--bits', files.query.slice(1)]),
  ])
  t.equal(json.mechanism, 'sketch')
  t.equal(json.epsilonCharged, 0)
  t.equal(json.results.length, 5)
  const first = json.results[0]
  t.equal(first.id, files.planted.id)
  // Six predicted sds: the noise is the production source, so this bound is what can be promised.
  t.ok(Math.abs(first.estimate - files.planted.distance) <= 6 * sketch.predictedSd.atK, `estimate ${first.estimate} near ${files.planted.distance}`)
  t.ok(first.ciLow <= first.estimate && first.estimate <= first.ciHigh)
  t.equal(human.code, 0, human.stderr)
  t.match(human.stdout, /^id\s+estimate\s+95 % interval\s+status$/m)
  t.match(human.stdout, new RegExp(`^${files.planted.id}\\s+\\d+\\.\\d\\s+\\[-?\\d+\\.\\d, \\d+\\.\\d\\]\\s+ok$`, 'm'))
  t.match(human.stdout, /charged ε = 0/)
  t.equal(bad.code, 1)
  oneErrorLine(t, bad.stderr, /query: .*1024/)
})

t.test('budget shows the debit; a geometric query is charged', async (t) => {
  const [b, human] = await Promise.all([
    localJson<{ spent: number; remaining: number; ledger: { kind: string; epsilon: number; details: { sketchId?: string } }[] }>(['budget', 'people']),
    local(['budget', 'people']),
  ])
  t.equal(b.json.spent, 5)
  t.equal(b.json.remaining, 5)
  t.equal(b.json.ledger.length, 1)
  t.match(b.json.ledger[0], { kind: 'sketch', epsilon: 5, details: { sketchId: sketch.id } })
  t.match(human.stdout, /^spent:\s+5$/m)
  t.match(human.stdout, /sketch\s+5\s+local/)

  const geo = await localJson<Answer>(['query', 'raw', '--metric', 'hamming', '--bits', files.query, '--mechanism', 'geometric', '--epsilon', '0.5', '--top', '1'])
  t.equal(geo.json.epsilonCharged, 0.5)
  t.equal(geo.json.results[0].id, files.planted.id)
  const rawBudget = await localJson<{ spent: number }>(['budget', 'raw'])
  t.equal(rawBudget.json.spent, 0.5)
  const set = await localJson<{ epsilonBudget: number; remaining: number }>(['budget', 'raw', '--set', '4'])
  t.same([set.json.epsilonBudget, set.json.remaining], [4, 3.5])
  const over = await local(['query', 'raw', '--metric', 'hamming', '--bits', files.query, '--mechanism', 'geometric', '--epsilon', '3.6'])
  t.equal(over.code, 1)
  oneErrorLine(t, over.stderr, /only ε = 3\.5 remains/)
})

t.test('tokens and delete on the local database', async (t) => {
  const created = await localJson<{ id: string; token: string; role: string }>(['token', 'create', '--role', 'analyst', '--datasets', 'people', '--label', 'ci'])
  t.equal(created.json.role, 'analyst')
  t.match(created.json.token, /^dpd_/)
  const list = await localJson<{ tokens: { id: string; revokedAt: string | null }[] }>(['token', 'list'])
  t.ok(list.json.tokens.some((x) => x.id === created.json.id && x.revokedAt === null))
  t.notMatch(JSON.stringify(list.json), created.json.token, 'secrets are never listed')
  const revoked = await localJson<{ revokedAt: string | null }>(['token', 'revoke', created.json.id])
  t.type(revoked.json.revokedAt, 'string')
  const del = await local(['dataset', 'delete', 'raw'])
  t.equal(del.code, 0, del.stderr)
  const gone = await local(['dataset', 'show', 'raw'])
  t.equal(gone.code, 1)
  oneErrorLine(t, gone.stderr, /no dataset named "raw"/)
})

t.test('new-user rough edges: --json errors, encodings that look wrong, plurals, help defaults', async (t) => {
  const created = await local(['dataset', 'create', 'edges', '--bits', '8', '--budget', '1'])
  t.equal(created.code, 0, created.stderr)
  // --json: the error is one problem document on stdout too, with the same code and exit code
  const missing = await local(['dataset', 'show', 'nope', '--json'])
  t.equal(missing.code, 1)
  oneErrorLine(t, missing.stderr, /no dataset named "nope"/)
  t.same(JSON.parse(missing.stdout), { type: '/problems/not-found', detail: 'no dataset named "nope"', exitCode: 1 })
  const usage = await local(['dataset', 'create', 'x', '--json'])
  t.equal(usage.code, 2)
  t.match(JSON.parse(usage.stdout), { type: '/problems/usage-error', exitCode: 2 })
  // a query that is hex or base64 without --encoding says so instead of a bad-character error
  const hex = await local(['query', 'edges', '--metric', 'hamming', '--bits', 'f0'])
  t.equal(hex.code, 2)
  oneErrorLine(t, hex.stderr, /looks like hex: pass --encoding hex/)
  const b64 = await local(['query', 'edges', '--metric', 'hamming', '--bits', 'zz8='])
  oneErrorLine(t, b64.stderr, /looks like base64: pass --encoding base64/)
  // "1 record", not "1 records"
  const file = join(dir, 'one.txt')
  writeFileSync(file, '10110011\n')
  const one = await local(['load', 'edges', file])
  t.equal(one.code, 0, one.stderr)
  t.match(one.stdout, /^loaded 1 record into edges \(text\); it now holds 1 record\n$/)
  // each default is shown once in help
  const help = await dpdist(['demo', '--help'])
  t.match(help.stdout, /\(default: 2000\)/)
  t.notMatch(help.stdout, /\(default 2000\)/)
})
