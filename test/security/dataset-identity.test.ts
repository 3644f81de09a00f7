/**
 * A server and the CLI on the same database file (a supported set-up), as real processes: the
 * server child (test/support/server-process.ts) holds caches; `dpdist --db` children delete and
 * re-create datasets under it. Checked: a dataset made after a deletion never gets the deleted one's
 * identity, so the server never answers from the deleted one's cached raw bits (geometric) or
 * sketches, sees sketches another process built, charges and lists the new dataset's own ledger
 * only (the deleted one's stays readable as an audit trail), frees the deleted one's memory, and an
 * analyst token for a deleted dataset does not open a new one of the same name.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dpdist, dpdistJson, ensureBuilt, flipFirst, tempDir, toBinary } from '../cli/cli-harness.js'
import { api, must, startServer, type ServerProcess, type SketchView } from '../support/server-process.js'

ensureBuilt()
const N = 64
const dir = tempDir()
const dbPath = join(dir, 'shared.db')
let server: ServerProcess
t.before(async () => {
  server = await startServer({ dbPath })
})
t.teardown(async () => {
  await server?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const cli = <T = Record<string, unknown>>(...args: string[]) => dpdistJson<T>(['--db', dbPath, ...args]).then((r) => r.json)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Answer {
  sketch: { id: string } | null
  results: { id: string; estimate: number }[]
}
interface Budget {
  spentMicro: number
  ledger: { kind: string; epsilon: number; tokenId: string | null; details: { sketchId?: string } }[]
}
interface Ledgers {
  datasets: { dataset: string; deleted: boolean; deletedAt: string | null; spent: number; ledger: { kind: string; details: { sketchId?: string } }[] }[]
}

/** A text file of `id<TAB>bits` lines. */
function recordFile(name: string, records: [string, Uint8Array][]): string {
  const path = join(dir, name)
  writeFileSync(path, records.map(([id, b]) => `${id}\t${toBinary(b)}`).join('\n') + '\n')
  return path
}

const geometric = (name: string, query: Uint8Array) =>
  must<Answer>(server, 'POST', `/v1/datasets/${name}/query`, { json: { metric: 'hamming', mechanism: 'geometric', epsilon: 50, query: toBinary(query) } }, 200)

/** Every ledger row of the dataset is its own, and they sum to its spent. */
async function ownLedger(t: Test, name: string): Promise<Budget> {
  const b = await must<Budget>(server, 'GET', `/v1/datasets/${name}/budget`, {}, 200)
  const sum = b.ledger.filter((e) => e.kind !== 'budget').reduce((s, e) => s + Math.round(e.epsilon * 1e6), 0)
  t.equal(sum, b.spentMicro, `${name}: its ledger rows sum to its spent`)
  return b
}

t.test('geometric: the server never answers a new dataset from a deleted one\'s cached bits', async (t) => {
  const q = randomBytes(N / 8)
  await must(server, 'POST', '/v1/datasets', { json: { name: 'alpha', bits: N, epsilonBudget: 1000, retainRaw: true } }, 201)
  const alpha = [['a0', q], ['a1', flipFirst(q, 8)]] as [string, Uint8Array][]
  await must(server, 'POST', '/v1/datasets/alpha/records', { json: { records: alpha.map(([id, b]) => ({ id, bits: toBinary(b) })) } }, 201)
  // ε = 50 per query: the noise is 0 except with probability ~1e-21, so estimates are the distances
  const first = await geometric('alpha', q)
  t.same(first.results.map((r) => [r.id, r.estimate]), [['a0', 0], ['a1', 8]], 'the server answered alpha (and cached its raw bits)')

  await cli('dataset', 'delete', 'alpha')
  await cli('dataset', 'create', 'beta', '--bits', String(N), '--budget', '1000', '--retain-raw')
  const complement = q.map((b) => ~b & 0xff)
  await cli('load', 'beta', recordFile('beta.txt', [['b0', complement], ['b1', flipFirst(q, 32)]]))

  const second = await geometric('beta', q)
  t.same(second.results.map((r) => [r.id, r.estimate]), [['b1', 32], ['b0', 64]], "beta's own distances, not alpha's under beta's ids")
  const budget = await ownLedger(t, 'beta')
  t.same(budget.ledger.map((e) => [e.kind, e.epsilon]), [['query', 50]], 'beta is charged once, and its ledger has only that row')
  t.equal((await api(server, 'POST', '/v1/datasets/alpha/query', { json: { metric: 'hamming', mechanism: 'geometric', epsilon: 1, query: toBinary(q) } })).status, 404, 'alpha is gone')
})

t.test('sketch queries and builds follow the store, whichever process wrote it', async (t) => {
  const records = Array.from({ length: 40 }, (_, i) => [`g${i}`, randomBytes(N / 8)] as [string, Uint8Array])
  await must(server, 'POST', '/v1/datasets', { json: { name: 'gamma', bits: N, epsilonBudget: 100, retainRaw: true } }, 201)
  await must(server, 'POST', '/v1/datasets/gamma/records', { json: { records: records.map(([id, b]) => ({ id, bits: toBinary(b) })) } }, 201)
  const built = await must<SketchView>(server, 'POST', '/v1/datasets/gamma/sketches', { json: { metric: 'hamming', epsilon: 4, k: 16 } }, 202)
  const ready = async (name: string, id: string) => {
    for (;;) {
      const v = await must<SketchView>(server, 'GET', `/v1/datasets/${name}/sketches/${id}`, {}, 200)
      if (v.status === 'ready') return
      if (v.status === 'failed') throw new Error(`build ${id} failed: ${v.error}`)
      await sleep(50)
    }
  }
  await ready('gamma', built.id)
  const sketchQuery = (name: string) => api(server, 'POST', `/v1/datasets/${name}/query`, { json: { metric: 'hamming', query: toBinary(records[0][1]), top: 3 } })
  t.equal((await sketchQuery('gamma')).json<Answer>().sketch?.id, built.id, 'the server answers gamma from its sketch')

  await cli('dataset', 'delete', 'gamma')
  await cli('dataset', 'create', 'delta', '--bits', String(N), '--budget', '100', '--retain-raw')
  await cli('load', 'delta', recordFile('delta.txt', records.slice(0, 10).map(([id, b]) => [`d${id}`, b])))
  const none = await sketchQuery('delta')
  t.equal(none.status, 409, 'delta has no sketch yet: the server does not answer from the deleted gamma\'s')

  const fromCli = await cli<SketchView>('sketch', 'build', 'delta', '--metric', 'hamming', '--epsilon', '2', '--k', '16')
  t.equal(fromCli.status, 'ready', 'the CLI built a sketch of delta in its own process')
  const answered = await sketchQuery('delta')
  t.equal(answered.status, 200)
  t.equal(answered.json<Answer>().sketch?.id, fromCli.id, 'the server answers from the sketch the CLI built')
  t.ok(answered.json<Answer>().results.every((r) => r.id.startsWith('d')), "with delta's record ids")

  const fromServer = await must<SketchView>(server, 'POST', '/v1/datasets/delta/sketches', { json: { metric: 'hamming', epsilon: 1, k: 16 } }, 202)
  await ready('delta', fromServer.id)
  t.equal((await sketchQuery('delta')).json<Answer>().sketch?.id, fromServer.id, 'and from its own newer build')

  const budget = await ownLedger(t, 'delta')
  t.same(
    budget.ledger.map((e) => [e.kind, e.epsilon, e.details.sketchId, e.tokenId]),
    [
      ['sketch', 2, fromCli.id, null],
      ['sketch', 1, fromServer.id, 'tok_env_admin'],
    ],
    "delta's ledger starts empty: its two builds, none of gamma's",
  )

  // the deleted dataset's ledger outlives it, for an admin, from either process
  const viaServer = await must<Ledgers>(server, 'GET', '/v1/ledger?dataset=gamma&deleted=true', {}, 200)
  const viaCli = await cli<Ledgers>('budget', 'gamma', '--deleted')
  t.same(viaCli, viaServer, 'the CLI and the server show the same audit trail')
  t.equal(viaServer.datasets.length, 1)
  t.match(viaServer.datasets[0], { dataset: 'gamma', deleted: true, spent: 4 })
  t.ok(viaServer.datasets[0].deletedAt, 'with the time of its deletion')
  t.same(viaServer.datasets[0].ledger.map((e) => [e.kind, e.details.sketchId]), [['sketch', built.id]], 'its own build')
  const human = await dpdist(['--db', dbPath, 'budget', 'gamma', '--deleted'])
  t.equal(human.code, 0, human.stderr)
  t.match(human.stdout, /^dataset:\s+gamma \(deleted\)$/m, 'dpdist budget --deleted names the deleted dataset')
  t.match(human.stdout, new RegExp(`\\bsketch\\s+4\\s+tok_env_admin\\s+sketchId=${built.id}\\b`), 'and lists its ledger')

  // memory held for the deleted dataset is released (the server checks its caches periodically)
  const live = 2
  const deadline = Date.now() + 30_000
  let loaded = -1
  while (Date.now() < deadline) {
    loaded = (await must<{ sketchesLoaded: number }>(server, 'GET', '/health', {}, 200)).sketchesLoaded
    if (loaded === live) break
    await sleep(100)
  }
  t.equal(loaded, live, "the server holds only delta's two sketches: gamma's was dropped")
})

t.test('an analyst token follows the dataset it was given, not its name', async (t) => {
  await must(server, 'POST', '/v1/datasets', { json: { name: 'demo', bits: N, epsilonBudget: 1 } }, 201)
  const token = await must<{ id: string; token: string }>(server, 'POST', '/v1/tokens', { json: { role: 'analyst', datasets: ['demo'] } }, 201)
  t.equal((await api(server, 'GET', '/v1/datasets/demo', { token: token.token })).status, 200, 'the analyst opens demo')
  await cli('dataset', 'delete', 'demo')
  await cli('dataset', 'create', 'demo', '--bits', String(N), '--budget', '1')
  t.equal((await api(server, 'GET', '/v1/datasets/demo', { token: token.token })).status, 404, 'not the new demo made by another process')
  t.equal((await api(server, 'GET', '/v1/datasets/demo')).status, 200, 'which exists (the admin sees it)')
})
