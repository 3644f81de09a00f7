/**
 * Runs the built `dpdist` (node dist/cli/main.js) as a real child process, writes record files in
 * every load format, and starts a server child process for the remote tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const MAIN = join(ROOT, 'dist/cli/main.js')

/** `npm test` builds first; a lone `npx tap test/cli/...` builds once if dist/ is missing. */
export function ensureBuilt(): void {
  if (existsSync(MAIN)) return
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'ignore' })
  if (!existsSync(MAIN)) throw new Error('dist/cli/main.js is missing and the build did not produce it')
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  input?: string | Uint8Array
}

/** Environment without any DPDIST_ setting of the machine running the tests. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('DPDIST_') && k !== 'NODE_OPTIONS') env[k] = v
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

export function dpdist(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
    child.stdin.end(options.input)
  })
}

/** Runs with --json and parses stdout, which must be exactly one JSON document. */
export async function dpdistJson<T = Record<string, unknown>>(args: string[], options: RunOptions = {}): Promise<{ result: CliResult; json: T }> {
  const result = await dpdist([...args, '--json'], options)
  if (result.code !== 0) throw new Error(`dpdist ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return { result, json: JSON.parse(result.stdout) as T }
}

/** stderr holds exactly one line, `dpdist: ...`, matching `pattern`, and no bit string. */
export function oneErrorLine(t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '')
  t.equal(lines.length, 1, 'exactly one line on stderr')
  t.match(lines[0], /^dpdist: /)
  t.match(lines[0], pattern)
  t.notMatch(stderr, /[01]{64}/, 'no bit string in the message')
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dpdist-cli-'))
}

/** n-bit record as a binary string (n a multiple of 8). */
export function toBinary(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(2).padStart(8, '0')
  return s
}

/** `bytes` with the first d bits flipped. */
export function flipFirst(bytes: Uint8Array, d: number): Uint8Array {
  const out = Uint8Array.from(bytes)
  for (let i = 0; i < d; i++) out[i >>> 3] ^= 0x80 >>> (i & 7)
  return out
}

export interface RecordFiles {
  /** One string per line, binary, no ids. */
  textBinary: string
  /** `id<TAB>hex` per line. */
  textHex: string
  csv: string
  ndjson: string
  packed: string
  clkhash: string
  /** Text binary, line 5003 one bit short. */
  badLine: string
  /** The query string (binary) and the id and distance of the record planted near it in `csv`. */
  query: string
  planted: { id: string; distance: number }
}

/**
 * Six files of m records of n bits (n a multiple of 8), one per format, each with its own records and
 * ids (ids differ between files, so all six can go into one dataset). In the csv file the record
 * `c-near` is at Hamming distance `distance` from `query`; every other record is uniformly random.
 */
export function writeRecordFiles(dir: string, m: number, n: number, distance = 3): RecordFiles {
  const nBytes = n / 8
  const query = randomBytes(nBytes)
  const files: RecordFiles = {
    textBinary: join(dir, 'plain.txt'),
    textHex: join(dir, 'with-ids.hex.txt'),
    csv: join(dir, 'people.csv'),
    ndjson: join(dir, 'people.ndjson'),
    packed: join(dir, 'people.bin'),
    clkhash: join(dir, 'clks.json'),
    badLine: join(dir, 'bad.txt'),
    query: toBinary(query),
    planted: { id: 'c-near', distance },
  }
  const records = (): Uint8Array[] => Array.from({ length: m }, () => randomBytes(nBytes))

  const plain = records().map(toBinary)
  writeFileSync(files.textBinary, plain.join('\n') + '\n')
  const bad = [...plain]
  bad[5002] = bad[5002].slice(1)
  writeFileSync(files.badLine, bad.join('\n') + '\n')

  writeFileSync(files.textHex, records().map((b, i) => `h${i}\t${Buffer.from(b).toString('hex')}`).join('\n') + '\n')

  const csvRecords = records()
  csvRecords[m >> 1] = flipFirst(query, distance)
  writeFileSync(
    files.csv,
    'id,bits\n' + csvRecords.map((b, i) => `${i === m >> 1 ? files.planted.id : `c${i}`},${toBinary(b)}`).join('\n') + '\n',
  )

  writeFileSync(files.ndjson, records().map((b, i) => JSON.stringify({ id: `n${i}`, bits: Buffer.from(b).toString('base64'), encoding: 'base64' })).join('\n') + '\n')
  writeFileSync(files.packed, Buffer.concat(records()))
  writeFileSync(files.clkhash, JSON.stringify({ version: '2', clks: records().map((b) => Buffer.from(b).toString('base64')) }))
  return files
}

export interface ServerProcess {
  url: string
  child: ChildProcess
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: string | null; ms: number }>
  output(): string
}

/** Starts `dpdist serve --port 0` and reads the URL from its "listening on" line. */
export function startServer(dbPath: string, env: Record<string, string>): Promise<ServerProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--db', dbPath], {
      // event-loop shedding off unless asked for: a loaded CI machine can stall a fresh process's loop
      env: cleanEnv({ LOG_LEVEL: 'warn', DPDIST_MAX_EVENT_LOOP_DELAY_MS: '0', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let resolved = false
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })))
    const fail = (why: string) => {
      if (!resolved) {
        resolved = true
        child.kill('SIGKILL')
        reject(new Error(`${why}: ${out}`))
      }
    }
    const timer = setTimeout(() => fail('the server did not start within 20 s'), 20_000)
    const onData = (s: string) => {
      out += s
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match && !resolved) {
        resolved = true
        clearTimeout(timer)
        resolvePromise({
          url: match[1],
          child,
          output: () => out,
          async stop(graceMs = 5000) {
            const t0 = performance.now()
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM')
              const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
              const result = await exited
              clearTimeout(kill)
              return { ...result, ms: performance.now() - t0 }
            }
            return { ...(await exited), ms: 0 }
          },
        })
      }
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    child.stderr.setEncoding('utf8').on('data', onData)
    child.on('exit', (code) => fail(`the server exited with code ${code}`))
  })
}
