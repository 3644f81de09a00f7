/**
 * A full disk: an upload that cannot be stored is a 507 `insufficient-storage` problem (not a bare
 * 500), its cleanup is retried until it succeeds instead of leaving the dataset locked, and reads
 * answer meanwhile. With a real full file system (a small tmpfs, where this process may mount one)
 * against a server process; and, everywhere, with SQLite's max_page_count on the app's own
 * connection (a full database file, though not a full disk for the cleanup's deletes).
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { testApp } from '../support/app.js'
import { api, must, sleep, startServer, until, type ApiResponse, type ServerProcess } from '../support/server-process.js'

const N = 1024
const RECORD = N / 8

function packed(count: number): { body: Buffer; headers: Record<string, string> } {
  return { body: randomBytes(count * RECORD), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }
}

function pendingState(db: Db): { pending: number; uploads: number } {
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE r.ordinal >= d.record_count) AS pending,
              (SELECT COUNT(*) FROM uploads) AS uploads`,
    )
    .get() as { pending: number; uploads: number }
}

/** Retries while the answer is a 503 with Retry-After (a cleanup still running), up to a deadline. */
async function untilNot503(send: () => Promise<ApiResponse>, ms: number): Promise<{ res: ApiResponse; statuses: number[] }> {
  const deadline = Date.now() + ms
  const statuses: number[] = []
  for (;;) {
    const res = await send()
    statuses.push(res.status)
    if (res.status !== 503 || Date.now() > deadline) return { res, statuses }
    await sleep(Math.min(1000, Number(res.headers.get('retry-after') ?? 1) * 1000))
  }
}

function mountTmpfs(dir: string, size: string): boolean {
  if (process.platform !== 'linux') return false
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' }).status === 0
}

const probe = mkdtempSync(join(tmpdir(), 'dpdist-mount-'))
const canMount = mountTmpfs(probe, '1m')
if (canMount) spawnSync('umount', [probe])
rmSync(probe, { recursive: true, force: true })

async function scenario(t: Test, s: Pick<ServerProcess, 'url' | 'adminToken'>, fill: () => void, free: () => void, state: () => { pending: number; uploads: number }) {
  await must(s, 'POST', '/v1/datasets', { json: { name: 'ds', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/ds/records', packed(2000), 201)
  const job = await must<{ id: string }>(s, 'POST', '/v1/datasets/ds/sketches', { json: { metric: 'hamming', epsilon: 4, k: 32 } }, 202)
  await until(async () => (await must<{ status: string }>(s, 'GET', `/v1/datasets/ds/sketches/${job.id}`, {}, 200)).status === 'ready', 120_000, 'the sketch')

  fill()
  const refused = await api(s, 'POST', '/v1/datasets/ds/records', packed(40_000))
  t.equal(refused.status, 507, `an upload that does not fit is 507 (${refused.text.slice(0, 200)})`)
  t.match(refused.json(), { type: '/problems/insufficient-storage', status: 507 }, 'with its own problem type')
  t.notMatch(refused.text, /SQLITE|\/tmp\//, 'naming no internals')

  // reads answer while the disk is full
  t.match(await must(s, 'GET', '/v1/datasets/ds', {}, 200), { records: 2000 }, 'the dataset shows its committed records')
  const q = await must<{ results: unknown[] }>(s, 'POST', '/v1/datasets/ds/query', { json: { metric: 'hamming', query: '0'.repeat(N), top: 5 } }, 200)
  t.equal(q.results.length, 5, 'free sketch queries answer')
  t.equal((await api(s, 'GET', '/v1/datasets/ds/budget', {})).status, 200, 'the budget view answers')

  free()
  const retried = await untilNot503(() => api(s, 'POST', '/v1/datasets/ds/records', packed(10)), 60_000)
  t.notOk(retried.statuses.includes(409), `no "upload in progress" once space is back (statuses ${retried.statuses.join(', ')})`)
  t.equal(retried.res.status, 201, 'the next upload is stored, without a restart')
  t.match(retried.res.json(), { loaded: 10, records: 2010 }, 'after the committed records')
  t.same(state(), { pending: 0, uploads: 0 }, 'the failed upload left no pending row and no upload row')
  const del = await untilNot503(() => api(s, 'DELETE', '/v1/datasets/ds', {}), 60_000)
  t.equal(del.res.status, 204, 'and the dataset can be deleted')
}

t.test('a full tmpfs under a server process', { skip: canMount ? false : 'mounting a tmpfs is not allowed here' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-full-'))
  t.ok(mountTmpfs(dir, '40m'), 'a 40 MB tmpfs')
  const dbPath = join(dir, 'dpdist.db')
  const filler = join(dir, 'filler')
  const running: { server?: ServerProcess } = {}
  t.teardown(async () => {
    await running.server?.kill('SIGKILL') // before the unmount, which a process using the mount would block
    spawnSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  const s = await startServer({ dbPath, env: { DPDIST_WORKERS: '1' } })
  running.server = s
  const reader = openDatabase(dbPath, { readonly: true })
  t.teardown(() => reader.close())
  await scenario(
    t,
    s,
    () => {
      const st = statfsSync(dir)
      writeFileSync(filler, Buffer.alloc(Math.max(0, st.bavail * st.bsize - 1_000_000)))
    },
    () => rmSync(filler),
    () => pendingState(reader),
  )
  t.notMatch(s.stdout(), /unhandled error/, 'nothing was logged as an unhandled error')
})

t.test('a full database file (max_page_count) in the app', async (t) => {
  const h = await testApp({ env: { DPDIST_WORKERS: '1' } })
  t.teardown(h.close)
  // the app's own server, on a real socket, so the same scenario drives it
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const s = { url, adminToken: (h.config.adminToken as string) }
  let limit = 0
  await scenario(
    t,
    s,
    () => {
      limit = h.db.pragma('page_count', { simple: true }) as number
      h.db.pragma(`max_page_count = ${limit + 64}`)
    },
    () => h.db.pragma('max_page_count = 4294967294'),
    () => pendingState(h.db),
  )
  t.notOk(h.logLines.some((l) => l.includes('unhandled error')), 'nothing was logged as an unhandled error')
})
