import t from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { openDatabase } from '../../db/database.js'
import { DatasetRepository } from '../../db/datasets.js'
import { tempDir } from '../support/app.js'

function pending(db: ReturnType<typeof openDatabase>): number {
  return (db.prepare('SELECT COUNT(*) AS c FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE r.ordinal >= d.record_count').get() as { c: number }).c
}

t.test('start-up recovery spares a live upload and removes a dead one', async (t) => {
  const path = join(tempDir(), 'db.sqlite')
  const db = openDatabase(path)
  const repo = new DatasetRepository(db)
  const d = repo.create({ name: 'x', bits: 8, unitBits: 1, budgetMicro: 1, retainRaw: true, metrics: ['hamming'] }, new Date().toISOString())!
  // an upload owned by another, live process
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  t.teardown(() => other.kill('SIGKILL'))
  await new Promise((r) => other.once('spawn', r))
  db.prepare('INSERT INTO uploads (dataset_id, owner_pid, started_at) VALUES (?, ?, ?)').run(d.id, other.pid, new Date().toISOString())
  repo.insertPending(d.id, 0, [{ id: 'a', bytes: new Uint8Array([1]) }, { id: 'b', bytes: new Uint8Array([2]) }])
  db.prepare("INSERT INTO sketches (id, dataset_id, metric, mechanism, status, epsilon_micro, plan, p_tilde, record_count, ledger_id, created_at, owner_pid) VALUES ('s1', ?, 'hamming', 'parity', 'building', 1, '{}', 0.1, 2, 0, '', ?)").run(d.id, other.pid)
  db.close()

  const reopened = openDatabase(path)
  t.equal(pending(reopened), 2, 'a second process opening the file leaves the live upload alone')
  t.equal((reopened.prepare("SELECT status FROM sketches WHERE id = 's1'").get() as { status: string }).status, 'building', 'and the live build')
  t.notOk(new DatasetRepository(reopened).beginUpload(d.id), 'a second upload to the same dataset is refused')
  reopened.close()

  other.kill('SIGKILL')
  await new Promise((r) => other.once('exit', r))
  const afterCrash = openDatabase(path)
  t.equal(pending(afterCrash), 0, 'the dead upload is removed')
  t.equal((afterCrash.prepare('SELECT COUNT(*) AS c FROM uploads').get() as { c: number }).c, 0)
  const s = afterCrash.prepare("SELECT status, error FROM sketches WHERE id = 's1'").get() as { status: string; error: string }
  t.equal(s.status, 'failed', 'the dead build is marked failed')
  t.match(s.error, /interrupted/)
  t.equal(afterCrash.pragma('integrity_check', { simple: true }), 'ok')
  afterCrash.close()
})

t.test('commit refuses to publish a count whose rows are not all there', async (t) => {
  const db = openDatabase(join(tempDir(), 'db.sqlite'))
  t.teardown(() => db.close())
  const repo = new DatasetRepository(db)
  const d = repo.create({ name: 'y', bits: 8, unitBits: 1, budgetMicro: 1, retainRaw: true, metrics: ['hamming'] }, new Date().toISOString())!
  t.ok(repo.beginUpload(d.id))
  repo.insertPending(d.id, 0, [{ id: 'a', bytes: new Uint8Array([1]) }, { id: 'b', bytes: new Uint8Array([2]) }])
  db.prepare('DELETE FROM records WHERE ordinal = 1').run()
  t.notOk(repo.commitPending(d.id, 0, 2), 'a gap is never published')
  t.equal(repo.findById(d.id)!.recordCount, 0)
  repo.discardPending(d.id, 0)
  t.ok(repo.beginUpload(d.id), 'the dataset is free again after the discard')
})
