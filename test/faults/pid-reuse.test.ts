/**
 * Crash recovery when the PID repeats. In a container the server is PID 1 on every start, so an
 * owner recorded by PID looks alive after a kill -9 and a restart. Here the server runs under
 * `unshare --pid --fork --mount-proc` (PID 1 in a fresh PID namespace each time), is SIGKILLed with an
 * upload streaming and a sketch building, and is started again: the interrupted upload must be
 * cleaned up (the dataset takes a new upload) and the build marked failed.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../db/database.js'
import { api, endlessUpload, must, startServer, until, type ServerProcess, type SketchView } from '../support/server-process.js'

const WRAP = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child']
const usable = spawnSync(WRAP[0], [...WRAP.slice(1), 'true'], { stdio: 'ignore' }).status === 0

function pending(db: Db, name: string): number {
  return (
    db
      .prepare('SELECT COUNT(*) AS c FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = ? AND r.ordinal >= d.record_count')
      .get(name) as { c: number }
  ).c
}

/** The pid the server's own log lines report (pino writes `"pid"` in every line). */
function loggedPid(s: ServerProcess): number | null {
  const m = /"pid":(\d+)/.exec(s.stdout())
  return m ? Number(m[1]) : null
}

t.test('a restart as the same PID still recovers the dead process\'s upload and build', { skip: usable ? false : 'unshare --pid is not allowed here' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dpdist-pid1-'))
  const dbPath = join(dir, 'dpdist.db')
  const children: ServerProcess[] = []
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const start = async () => {
    const s = await startServer({ dbPath, wrap: WRAP, env: { LOG_LEVEL: 'info', DPDIST_WORKERS: '1' } })
    children.push(s)
    return s
  }

  let s = await start()
  t.equal(loggedPid(s), 1, 'the server runs as PID 1')
  const N = 256
  await must(s, 'POST', '/v1/datasets', { json: { name: 'up', bits: N, epsilonBudget: 10, retainRaw: true } }, 201)
  await must(s, 'POST', '/v1/datasets/up/records', { body: randomBytes(1000 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } }, 201)
  const M = 50_000
  const NB = 1024
  await must(s, 'POST', '/v1/datasets', { json: { name: 'build', bits: NB, epsilonBudget: 10, retainRaw: false } }, 201)
  await must(s, 'POST', '/v1/datasets/build/records', { body: randomBytes((M * NB) / 8), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(NB) } }, 201)

  const reader = openDatabase(dbPath, { readonly: true })
  t.teardown(() => reader.close())
  const upload = endlessUpload(s, '/v1/datasets/up/records', { 'content-type': 'application/octet-stream', 'record-bits': String(N) }, () => randomBytes(32 * 1024))
  await until(() => pending(reader, 'up') >= 8192, 60_000, 'pending upload rows')
  const job = await must<SketchView>(s, 'POST', '/v1/datasets/build/sketches', { json: { metric: 'hamming', mechanism: 'pl07', epsilon: 3, k: 64 } }, 202)
  await until(async () => (await must<SketchView>(s, 'GET', `/v1/datasets/build/sketches/${job.id}`, {}, 200)).status === 'building', 60_000, 'the build to start')
  await s.kill('SIGKILL')
  upload.stop()
  const row = reader.prepare('SELECT status FROM sketches WHERE id = ?').get(job.id) as { status: string }
  t.equal(row.status, 'building', 'on disk the build was running when the server died')
  t.ok(pending(reader, 'up') >= 8192, 'and the upload had pending rows')

  s = await start()
  t.equal(loggedPid(s), 1, 'the restarted server is PID 1 again, like the dead one')
  let sketch: SketchView | undefined
  await until(
    async () => {
      sketch = await must<SketchView>(s, 'GET', `/v1/datasets/build/sketches/${job.id}`, {}, 200)
      return sketch.status !== 'building'
    },
    60_000,
    'the interrupted build to be failed',
  )
  t.equal(sketch?.status, 'failed', 'the dead build is failed, not taken for the live process\'s own')
  t.match(sketch?.error, /interrupted/)
  await until(() => pending(reader, 'up') === 0, 60_000, 'the dead upload to be removed')
  const next = await api(s, 'POST', '/v1/datasets/up/records', { body: randomBytes(5 * 32), headers: { 'content-type': 'application/octet-stream', 'record-bits': String(N) } })
  t.equal(next.status, 201, `the dataset takes a new upload (${next.text.slice(0, 200)})`)
  t.same(next.json(), { dataset: 'up', loaded: 5, records: 1005 }, 'which continues at the committed count')
})
