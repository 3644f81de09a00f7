/**
 * Start-up recovery and the janitor on real files with real owner processes: work owned by a live
 * process (another server, a CLI) is left alone; work of a dead one is finished, whether the owner
 * is known by its instance id (db/instance.ts) or, for rows written before instance ids, by PID.
 */
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { discardUploadStep } from '../../db/cleanup.js'
import { openDatabase, type Db } from '../../db/database.js'
import { DatasetRepository } from '../../db/datasets.js'
import { instanceAlive, instanceId } from '../../db/instance.js'
import { loadConfig } from '../../core/config.js'
import { repositories, silentLog } from '../../core/context.js'
import { createServices } from '../../core/index.js'
import { productionNoiseSource } from '../../privacy/noise-source.js'
import { tempDir } from '../support/app.js'
import { until } from '../support/server-process.js'

function pending(db: Db): number {
  return (db.prepare('SELECT COUNT(*) AS c FROM records r JOIN datasets d ON d.id = r.dataset_id WHERE r.ordinal >= d.record_count').get() as { c: number }).c
}

function uploads(db: Db): number {
  return (db.prepare('SELECT COUNT(*) AS c FROM uploads').get() as { c: number }).c
}

function status(db: Db, id: string): { status: string; error: string | null } {
  return db.prepare('SELECT status, error FROM sketches WHERE id = ?').get(id) as { status: string; error: string | null }
}

/** A child that holds an instance lock on `path`; resolves with its instance id. */
async function holder(t: Test, path: string): Promise<{ child: ChildProcess; id: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'hold-instance.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => child.kill('SIGKILL'))
  const id = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())))
  return { child, id }
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

/** Runs the janitor's sweep (what a server does at start) and waits until no upload is left. */
async function sweep(db: Db): Promise<void> {
  const services = createServices({ ...repositories(db), config: loadConfig({ DPDIST_DB: db.name }), noise: productionNoiseSource(), log: silentLog })
  services.janitor.sweep()
  await until(() => uploads(db) === 0, 60_000, 'the janitor to remove the dead upload')
  await services.close()
}

function seed(db: Db, name: string, owner: { pid?: number; instance?: string }): number {
  const repo = new DatasetRepository(db)
  const d = repo.create({ name, bits: 8, unitBits: 1, budgetMicro: 1, retainRaw: true, metrics: ['hamming'] }, new Date().toISOString())!
  db.prepare('INSERT INTO uploads (dataset_id, owner_pid, owner_instance, started_at) VALUES (?, ?, ?, ?)').run(d.id, owner.pid ?? null, owner.instance ?? null, new Date().toISOString())
  repo.insertPending(d.id, 0, [{ id: 'a', bytes: new Uint8Array([1]) }, { id: 'b', bytes: new Uint8Array([2]) }])
  db.prepare(
    `INSERT INTO sketches (id, dataset_id, metric, mechanism, status, epsilon_micro, plan, p_tilde, record_count, ledger_id, created_at, owner_pid, owner_instance)
     VALUES (?, ?, 'hamming', 'parity', 'building', 1, '{}', 0.1, 2, 0, '', ?, ?)`,
  ).run(`s-${name}`, d.id, owner.pid ?? null, owner.instance ?? null)
  return d.id
}

t.test('an owner known by its instance id: alive while its lock is held, recovered once it is gone', async (t) => {
  const path = join(tempDir(), 'db.sqlite')
  const db = openDatabase(path)
  const other = await holder(t, path)
  t.not(other.id, instanceId, 'the other process has an instance id of its own')
  t.ok(instanceAlive(path, other.id), 'its lock is held')
  const id = seed(db, 'x', { instance: other.id, pid: process.pid }) // even with our own PID (a container's PID 1)
  db.close()

  const reopened = openDatabase(path)
  t.equal(status(reopened, 's-x').status, 'building', 'a second process opening the file leaves the live build alone')
  t.equal(pending(reopened), 2, 'and the live upload')
  t.notOk(new DatasetRepository(reopened).beginUpload(id), 'a second upload to the same dataset is refused')
  reopened.close()

  await kill(other.child)
  t.notOk(instanceAlive(path, other.id), 'the dead process\'s lock is gone with it')
  const afterCrash = openDatabase(path)
  const s = status(afterCrash, 's-x')
  t.equal(s.status, 'failed', 'the dead build is marked failed at open')
  t.match(s.error, /interrupted/)
  await sweep(afterCrash)
  t.equal(pending(afterCrash), 0, 'the janitor removed the dead upload\'s rows')
  t.equal(afterCrash.pragma('integrity_check', { simple: true }), 'ok')
  afterCrash.close()
})

t.test('rows from before instance ids: the PID decides, and our own PID is a dead predecessor\'s', async (t) => {
  const path = join(tempDir(), 'db.sqlite')
  const db = openDatabase(path)
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  t.teardown(() => other.kill('SIGKILL'))
  await new Promise((r) => other.once('spawn', r))
  seed(db, 'live', { pid: other.pid })
  seed(db, 'mine', { pid: process.pid })
  db.close()

  const reopened = openDatabase(path)
  t.equal(status(reopened, 's-live').status, 'building', 'a live PID keeps its build')
  t.equal(status(reopened, 's-mine').status, 'failed', 'a row with this process\'s own PID is not this process\'s (it writes instance ids)')
  reopened.close()

  await kill(other)
  const afterCrash = openDatabase(path)
  t.equal(status(afterCrash, 's-live').status, 'failed', 'the dead PID\'s build is failed')
  await sweep(afterCrash)
  t.equal(pending(afterCrash), 0, 'both uploads are removed')
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
  let steps = 0
  while (!discardUploadStep(db, d.id, 1).done) steps++
  t.equal(steps, 1, 'the discard removed the one pending row in one step, then ended the upload')
  t.ok(repo.beginUpload(d.id), 'the dataset is free again after the discard')
})
