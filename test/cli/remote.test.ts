/**
 * `dpdist` end to end against a server: `dpdist serve --port 0` runs as a child process on a temp
 * database with DPDIST_ADMIN_TOKEN, and the same commands run with --url/--token (or DPDIST_URL and
 * DPDIST_TOKEN). The server is always stopped at the end (SIGTERM, SIGKILL after 5 s).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { dpdist, dpdistJson, ensureBuilt, oneErrorLine, startServer, tempDir, writeRecordFiles, type ServerProcess } from './cli-harness.js'

ensureBuilt()
const M = 10_000
const N = 1024
const ADMIN = 'cli-test-admin-token-0123456789'
const dir = tempDir()
const files = writeRecordFiles(dir, M, N)

let server: ServerProcess
let stopped = false
t.before(async () => {
  // Load shedding off: this machine's load is not what these tests measure (a shed request is a 503).
  server = await startServer(join(dir, 'server.db'), { DPDIST_ADMIN_TOKEN: ADMIN, DPDIST_RATE_LIMIT: '100000', DPDIST_MAX_EVENT_LOOP_DELAY_MS: '0' })
})
t.teardown(async () => {
  if (server && !stopped) await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

const remote = (args: string[], token = ADMIN) => dpdist(['--url', server.url, '--token', token, ...args])
const remoteJson = <T = Record<string, unknown>>(args: string[], token = ADMIN) => dpdistJson<T>(['--url', server.url, '--token', token, ...args])


interface Summary {
  name: string
  records: number
}
interface Sketch {
  id: string
  status: string
  records: number
  predictedSd: { atK: number }
}

let sketch: Sketch

t.test('create and load two formats over HTTP (environment variables for the server)', async (t) => {
  const env = { DPDIST_URL: server.url, DPDIST_TOKEN: ADMIN }
  const created = await dpdistJson<Summary>(['dataset', 'create', 'people', '--bits', String(N), '--budget', '10', '--retain-raw'], { env })
  t.match(created.json, { name: 'people', records: 0 })
  // csv has ids: sent as NDJSON; packed has none: sent as an octet-stream.
  const csv = await dpdistJson<{ loaded: number; records: number }>(['load', 'people', files.csv], { env })
  t.same([csv.json.loaded, csv.json.records], [M, M])
  const packed = await remote(['load', 'people', files.packed])
  t.equal(packed.code, 0, packed.stderr)
  t.match(packed.stdout, /loaded 10 000 records into people \(packed\); it now holds 20 000 records/)
  const list = await remoteJson<{ datasets: Summary[] }>(['dataset', 'list'])
  t.same(list.json.datasets.map((d) => [d.name, d.records]), [['people', 2 * M]])
})

t.test('a bad line aborts the upload: nothing is kept on the server', async (t) => {
  const r = await remote(['load', 'people', files.badLine])
  t.not(r.code, 0)
  oneErrorLine(t, r.stderr, /line 5003\b.*expected 1024 bits, got 1023/)
  t.equal((await remoteJson<Summary>(['dataset', 'show', 'people'])).json.records, 2 * M)
  // The server refuses the duplicated ids before the body has been sent: still one line, nothing kept.
  const dup = await remote(['load', 'people', files.csv])
  t.equal(dup.code, 1)
  oneErrorLine(t, dup.stderr, /duplicate id/)
  t.equal((await remoteJson<Summary>(['dataset', 'show', 'people'])).json.records, 2 * M)
  // Another file loads fine right after.
  const text = await remoteJson<{ records: number }>(['load', 'people', files.textHex, '--encoding', 'hex'])
  t.equal(text.json.records, 3 * M)
})

t.test('estimate, build (polls until ready), query and budget', async (t) => {
  const est = await remoteJson<{ epsilon: number }>(['sketch', 'estimate', 'people', '--metric', 'hamming', '--epsilon', '5', '--k', '64'])
  t.equal(est.json.epsilon, 5)
  const built = await remoteJson<Sketch>(['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '5', '--k', '64'])
  sketch = built.json
  t.equal(sketch.status, 'ready')
  t.equal(sketch.records, 3 * M)
  const status = await remote(['sketch', 'status', 'people', sketch.id])
  t.match(status.stdout, /^status:\s+ready$/m)

  const q = await remoteJson<{ epsilonCharged: number; results: { id: string; estimate: number }[] }>([
    'query', 'people', '--metric', 'hamming', '--bits', files.query, '--top', '3',
  ])
  t.equal(q.json.epsilonCharged, 0)
  t.equal(q.json.results[0].id, files.planted.id)
  t.ok(Math.abs(q.json.results[0].estimate - files.planted.distance) <= 6 * sketch.predictedSd.atK)

  const budget = await remoteJson<{ spent: number; ledger: { kind: string; tokenId: string | null }[] }>(['budget', 'people'])
  t.equal(budget.json.spent, 5)
  t.match(budget.json.ledger, [{ kind: 'sketch', tokenId: 'tok_env_admin' }])
})

t.test('--no-wait returns the queued job; status follows it', async (t) => {
  const job = await remoteJson<Sketch>(['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '1', '--k', '8', '--no-wait'])
  t.ok(['queued', 'building', 'ready'].includes(job.json.status))
  let final = job.json
  for (let i = 0; i < 100 && (final.status === 'queued' || final.status === 'building'); i++) {
    await new Promise((r) => setTimeout(r, 100))
    final = (await remoteJson<Sketch>(['sketch', 'status', 'people', job.json.id])).json
  }
  t.equal(final.status, 'ready')
  t.equal((await remoteJson<{ spent: number }>(['budget', 'people'])).json.spent, 6, 'charged when queued')
  const list = await remote(['sketch', 'list', 'people'])
  t.equal(list.stdout.split('\n').filter((l) => l.startsWith('sk_')).length, 2)
})

t.test('tokens: an analyst may query but not administer', async (t) => {
  const created = await remoteJson<{ id: string; token: string; role: string; datasets: string[] }>(['token', 'create', '--role', 'analyst', '--datasets', 'people'])
  t.match(created.json, { role: 'analyst', datasets: ['people'] })
  const analyst = created.json.token

  const [del, build, q] = await Promise.all([
    remote(['dataset', 'delete', 'people'], analyst),
    remote(['sketch', 'build', 'people', '--metric', 'hamming', '--epsilon', '1', '--k', '8'], analyst),
    // The latest sketch is the coarse one built with --no-wait (k = 8, ε = 1): name the first one.
    remoteJson<{ sketch: { id: string }; results: { id: string }[] }>(
      ['query', 'people', '--metric', 'hamming', '--bits', files.query, '--top', '1', '--sketch', sketch.id],
      analyst,
    ),
  ])
  t.not(del.code, 0)
  oneErrorLine(t, del.stderr, /admin token/)
  t.not(build.code, 0)
  oneErrorLine(t, build.stderr, /admin token/)
  t.equal(q.json.sketch.id, sketch.id)
  t.equal(q.json.results[0].id, files.planted.id)

  const list = await remoteJson<{ tokens: { id: string }[] }>(['token', 'list'])
  t.ok(list.json.tokens.some((x) => x.id === created.json.id))
  await remoteJson(['token', 'revoke', created.json.id])
  const revoked = await remote(['dataset', 'list'], analyst)
  t.equal(revoked.code, 1)
  oneErrorLine(t, revoked.stderr, /not valid or has been revoked/)
  t.equal((await remoteJson<Summary>(['dataset', 'show', 'people'])).json.records, 3 * M, 'nothing changed')
})

t.test('connection problems and missing tokens are one line too', async (t) => {
  const [noToken, wrong] = await Promise.all([
    dpdist(['--url', server.url, 'dataset', 'list']),
    remote(['dataset', 'list'], 'not-a-valid-token-at-all'),
  ])
  t.equal(noToken.code, 2)
  oneErrorLine(t, noToken.stderr, /needs a token/)
  t.equal(wrong.code, 1)
  oneErrorLine(t, wrong.stderr, /not valid/)
})

t.test('the server shuts down gracefully on SIGTERM', async (t) => {
  const result = await server.stop(8000)
  stopped = true
  t.equal(result.code, 0, `exit code 0 (${server.output().trim().split('\n').pop()})`)
  t.ok(result.ms < 8000, `stopped in ${Math.round(result.ms)} ms`)
  const down = await dpdist(['--url', server.url, '--token', ADMIN, 'dataset', 'list'])
  t.equal(down.code, 1)
  oneErrorLine(t, down.stderr, /cannot reach .*ECONNREFUSED/)
})
