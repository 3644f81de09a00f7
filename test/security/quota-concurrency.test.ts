/**
 * Quotas under concurrency, across processes: two server children on one database file, and five
 * analyst tokens made by the real CLI (`dpdist token create --quota`) with quotas that allow exactly
 * three charges each. 50 charged geometric queries (ten per token, alternating between the two
 * servers) are sent at once. Exactly 15 are answered, three per token; the other 35 are 409
 * `budget-exhausted` naming the token quota; each quota and the dataset's spent are exact to the
 * micro-ε, and the ledger has one row per answer.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { dpdist, dpdistJson, ensureBuilt, oneErrorLine, tempDir, toBinary } from '../cli/cli-harness.js'
import { api, must, startServer, type ServerProcess } from '../support/server-process.js'

ensureBuilt()
const N = 64
const TOKENS = 5
const PER_TOKEN = 10
const EPSILON_MICRO = 100_000 // ε = 0.1 per query
const QUOTA_MICRO = 3 * EPSILON_MICRO

interface Created {
  id: string
  token: string
  scopes: { epsilonQuota: number }[]
}

t.test('50 concurrent charges across 5 tokens and 2 server processes against quotas of 3 each', async (t) => {
  const dir = tempDir()
  const dbPath = join(dir, 'quota.db')
  const servers: ServerProcess[] = []
  t.teardown(async () => {
    for (const s of servers) await s.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const cli = (...args: string[]) => dpdistJson<Created>(['--db', dbPath, ...args]).then((r) => r.json)

  await cli('dataset', 'create', 'shared', '--bits', String(N), '--budget', '100', '--retain-raw')
  const usage = await dpdist(['--db', dbPath, 'token', 'create', '--role', 'analyst', '--quota', '0.3'])
  t.equal(usage.code, 2, '--quota without --datasets is a usage error')
  oneErrorLine(t, usage.stderr, /--quota applies to analyst tokens with --datasets/)
  const tokens: Created[] = []
  for (let i = 0; i < TOKENS; i++) tokens.push(await cli('token', 'create', '--role', 'analyst', '--datasets', 'shared', '--quota', '0.3', '--label', `analyst-${i}`))
  t.ok(tokens.every((x) => x.scopes[0].epsilonQuota === 0.3), 'the CLI made five analyst tokens with a quota of 0.3 on shared')

  servers.push(await startServer({ dbPath }), await startServer({ dbPath }))
  const records = Array.from({ length: 32 }, (_, i) => ({ id: `r${i}`, bits: toBinary(randomBytes(N / 8)) }))
  await must(servers[0], 'POST', '/v1/datasets/shared/records', { json: { records } }, 201)

  const query = toBinary(randomBytes(N / 8))
  const requests = Array.from({ length: TOKENS * PER_TOKEN }, (_, i) => ({ token: tokens[i % TOKENS], server: servers[i % 2] }))
  const answers = await Promise.all(
    requests.map(async ({ token, server }) => {
      const res = await api(server, 'POST', '/v1/datasets/shared/query', { token: token.token, json: { metric: 'hamming', mechanism: 'geometric', epsilon: '0.1', query, top: 1 } })
      return { token: token.id, status: res.status, body: res.json<{ type?: string; limit?: string }>() }
    }),
  )
  const ok = answers.filter((a) => a.status === 200)
  const refused = answers.filter((a) => a.status === 409)
  t.equal(ok.length, 15, 'exactly 15 answered')
  t.equal(refused.length, 35, 'the other 35 refused')
  t.ok(refused.every((a) => a.body.type === '/problems/budget-exhausted' && a.body.limit === 'token-quota'), 'each refusal is budget-exhausted, naming the token quota')
  for (const tok of tokens) t.equal(ok.filter((a) => a.token === tok.id).length, 3, `${tok.id}: three answers`)

  const db = openDatabase(dbPath, { readonly: true })
  t.teardown(() => db.close())
  const scopes = db.prepare('SELECT token_id AS token, quota_micro AS quota, spent_micro AS spent FROM token_scopes ORDER BY token_id').all()
  t.same(scopes, tokens.map((x) => x.id).sort().map((token) => ({ token, quota: QUOTA_MICRO, spent: QUOTA_MICRO })), 'every quota is used up exactly')
  const dataset = db.prepare("SELECT spent_micro AS spent FROM datasets WHERE name = 'shared'").get() as { spent: number }
  t.equal(dataset.spent, 15 * EPSILON_MICRO, "the dataset's spent is exactly 15 charges")
  const ledger = db.prepare("SELECT COUNT(*) AS rows, SUM(epsilon_micro) AS sum FROM ledger WHERE kind = 'query'").get() as { rows: number; sum: number }
  t.same(ledger, { rows: 15, sum: 15 * EPSILON_MICRO }, 'one ledger row per answer, summing to spent')

  const view = await must<{ principals: { tokenId: string; spentMicro: number; remaining: number }[] }>(servers[1], 'GET', '/v1/datasets/shared/budget', {}, 200)
  t.same(
    view.principals.map((p) => [p.tokenId, p.spentMicro, p.remaining]).sort(),
    tokens.map((x) => [x.id, QUOTA_MICRO, 0]).sort(),
    'the admin budget view shows each principal at its quota',
  )
  const listed = await dpdist(['--db', dbPath, 'token', 'list'])
  t.equal(listed.code, 0, listed.stderr)
  t.equal(listed.stdout.split('\n').filter((l) => l.includes('shared (ε quota 0.3, 0.3 spent)')).length, TOKENS, 'dpdist token list shows each quota used up')
  const budget = await dpdist(['--db', dbPath, 'budget', 'shared'])
  t.equal(budget.code, 0, budget.stderr)
  for (const tok of tokens) t.match(budget.stdout, new RegExp(`^${tok.id}\\s+analyst-\\d\\s+0\\.3\\s+0\\.3\\s+0$`, 'm'), `dpdist budget shows ${tok.id} at its quota`)
})
