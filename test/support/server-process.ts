/**
 * A real dpdist server in a child process, started from the TypeScript sources (`node --import tsx
 * server/server.ts`) on 127.0.0.1 and a free port, for tests that need a real socket, signals
 * (SIGKILL, SIGTERM) or a restart on the same database file. `startServer` resolves once GET /health
 * answers 200; `api` is a small fetch wrapper that sends the bearer token.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const SERVER_ADMIN = 'server-process-admin-token-0123456789'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ServerProcess {
  child: ChildProcess
  url: string
  port: number
  dbPath: string
  /** The admin token it was started with ("" when it generated its own). */
  adminToken: string
  /** Everything the child wrote so far (its pino log lines are on stdout). */
  stdout(): string
  stderr(): string
  /** Resolves when the child has exited (immediately if it already has). */
  exited: Promise<Exit>
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>
}

export interface StartOptions {
  dbPath: string
  /** Extra environment (DPDIST_*, LOG_LEVEL, ...). */
  env?: Record<string, string>
  /** DPDIST_ADMIN_TOKEN (default SERVER_ADMIN); null: none, so the server generates one. */
  adminToken?: string | null
  /** How long to wait for /health (default 30 s). */
  startTimeoutMs?: number
  /**
   * A command that runs the server (e.g. `['unshare', '--pid', '--fork', '--mount-proc',
   * '--kill-child']`): the child is then the wrapper, and killing it must end the server.
   */
  wrap?: string[]
  /** Run as this user (the caller must be root): for permission checks, which root would bypass. */
  user?: { uid: number; gid: number }
}

/** A TCP port that was free a moment ago (the kernel picks it; the listener is closed again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `probe` until it returns true (or throws after `ms`). */
export async function until(probe: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/**
 * Streams an upload that never ends by itself: chunks from `next` are written (respecting
 * back-pressure) until `stop()` is called or the connection dies. Resolves nothing; errors are
 * expected (the server is killed under it, or the upload is aborted on purpose).
 */
export function endlessUpload(s: Pick<ServerProcess, 'url' | 'adminToken'>, path: string, headers: Record<string, string>, next: () => Buffer): { stop(): void } {
  let stopped = false
  const req = request(`${s.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${s.adminToken}`, 'transfer-encoding': 'chunked', ...headers } })
  req.on('error', () => {})
  req.on('response', (res) => res.resume())
  const pump = () => {
    while (!stopped && !req.destroyed) {
      if (!req.write(next())) {
        req.once('drain', pump)
        return
      }
    }
  }
  pump()
  return {
    stop() {
      stopped = true
      req.destroy()
    },
  }
}

async function spawnOnce(options: StartOptions): Promise<ServerProcess | 'port-in-use'> {
  const port = await freePort()
  const adminToken = options.adminToken === undefined ? SERVER_ADMIN : options.adminToken
  const command = [...(options.wrap ?? []), process.execPath, '--import', 'tsx', 'server/server.ts']
  const child = spawn(command[0], command.slice(1), {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      DPDIST_DB: options.dbPath,
      ...(adminToken === null ? {} : { DPDIST_ADMIN_TOKEN: adminToken }),
      LOG_LEVEL: 'warn',
      // event-loop shedding off unless asked for: a loaded CI machine can stall a fresh process's loop
      DPDIST_MAX_EVENT_LOOP_DELAY_MS: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.user,
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')))
  let exit: Exit | undefined
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      resolve(exit)
    })
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000)
  for (;;) {
    if (exit) {
      if (/EADDRINUSE/.test(err + out)) return 'port-in-use'
      throw new Error(`the server exited during start-up (${JSON.stringify(exit)}): ${err || out}`)
    }
    try {
      const res = await fetch(`${url}/health`)
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not become healthy in time: ${err || out}`)
    }
    await sleep(50)
  }
  return {
    child,
    url,
    port,
    dbPath: options.dbPath,
    adminToken: adminToken ?? '',
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!exit) child.kill(signal)
      return exited
    },
  }
}

/** Starts a server child on a free port and waits until /health answers. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await spawnOnce(options)
    if (started !== 'port-in-use') return started
  }
  throw new Error('no free port after 3 attempts')
}

export interface ApiResponse {
  status: number
  headers: Headers
  text: string
  json<T = Record<string, unknown>>(): T
}

/** One request with `Authorization: Bearer <token>` (token null: none) and a JSON or raw body. */
export async function api(
  server: Pick<ServerProcess, 'url' | 'adminToken'>,
  method: string,
  path: string,
  options: { token?: string | null; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? server.adminToken : options.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  let body: string | Uint8Array | undefined = options.body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body, signal: options.signal })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    text,
    json<T>() {
      return JSON.parse(text) as T
    },
  }
}

/** `api`, but throws unless the answer has `status`; returns the parsed JSON body. */
export async function must<T = Record<string, unknown>>(
  server: Pick<ServerProcess, 'url' | 'adminToken'>,
  method: string,
  path: string,
  options: Parameters<typeof api>[3],
  status: number,
): Promise<T> {
  const res = await api(server, method, path, options)
  if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`)
  return res.json<T>()
}

/** The parts of a sketch view the crash and shutdown checks read. */
export interface SketchView {
  id: string
  status: string
  progress: number
  error: string | null
}

/**
 * Polls GET /health every `everyMs` until stopped and keeps the latencies (ms): the event-loop
 * checks of the fault tests. A non-200 answer is recorded as such, not thrown.
 */
export function watchHealth(s: Pick<ServerProcess, 'url'>, everyMs = 50): { stop(): Promise<{ latencies: number[]; max: number; failures: number }> } {
  let running = true
  const latencies: number[] = []
  let failures = 0
  const loop = (async () => {
    while (running) {
      const t0 = performance.now()
      try {
        const res = await fetch(`${s.url}/health`)
        await res.arrayBuffer()
        if (res.status !== 200) failures++
      } catch {
        failures++
      }
      latencies.push(performance.now() - t0)
      await sleep(everyMs)
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { latencies, max: latencies.length ? Math.max(...latencies) : 0, failures }
    },
  }
}
