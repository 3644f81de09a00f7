/** Configuration from the environment (README.md#configuration), validated once at start. */
import { z } from 'zod'
import { availableParallelism } from 'node:os'
import { MICRO_PER_EPSILON, parseEpsilon } from '../privacy/epsilon.js'
import { NATIVE_PATHS } from '../sketch/kernels/native-count-filter.js'

/** The largest per-release cap DPDIST_MAX_EPSILON may set: ε = 10⁶. */
const MAX_EPSILON_CAP_MICRO = 1_000_000 * MICRO_PER_EPSILON

const intFrom = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback)

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intFrom(8080, 0, 65535),
  DPDIST_DB: z.string().min(1).default('./data/dpdist.db'),
  DPDIST_ADMIN_TOKEN: z.string().min(16, 'DPDIST_ADMIN_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest ε one release (a sketch build or a geometric query) may charge. */
  DPDIST_MAX_EPSILON: z.string().default('1000').transform((text, ctx) => {
    try {
      return parseEpsilon(text, MAX_EPSILON_CAP_MICRO)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `DPDIST_MAX_EPSILON: ${(err as Error).message}` })
      return z.NEVER
    }
  }),
  /** Body limit of ordinary JSON requests (bytes). */
  DPDIST_JSON_LIMIT: intFrom(1 << 20, 1024, 1 << 30),
  /** Body limit of one record upload (bytes); bulk formats are streamed, never buffered whole. */
  DPDIST_UPLOAD_LIMIT: intFrom(16 * 2 ** 30, 1024, Number.MAX_SAFE_INTEGER),
  /** Requests per minute per token (or per IP without a token). */
  DPDIST_RATE_LIMIT: intFrom(6000, 1, 10_000_000),
  /** Most query strings in one `query:batch` call. */
  DPDIST_BATCH_MAX: intFrom(256, 1, 100_000),
  /** Worker threads for scans and builds (0 = scan on the main thread). */
  DPDIST_WORKERS: intFrom(Math.max(1, availableParallelism()), 0, 256),
  /** Longest a whole request may take, upload included (Node's requestTimeout). */
  DPDIST_REQUEST_TIMEOUT_MS: intFrom(3_600_000, 1000, 86_400_000),
  /** Longest a connection may sit idle (no bytes either way) before it is closed. */
  DPDIST_IDLE_TIMEOUT_MS: intFrom(120_000, 1000, 3_600_000),
  /** Scan tasks that may wait for a worker before queries are refused with 503 (0 = 64 per worker). */
  DPDIST_SCAN_QUEUE: intFrom(0, 0, 1_000_000),
  /** Load shedding (503 + Retry-After): event-loop delay, heap and RSS limits; 0 turns one off. */
  DPDIST_MAX_EVENT_LOOP_DELAY_MS: intFrom(1000, 0, 600_000),
  DPDIST_MAX_HEAP_BYTES: intFrom(0, 0, Number.MAX_SAFE_INTEGER),
  DPDIST_MAX_RSS_BYTES: intFrom(0, 0, Number.MAX_SAFE_INTEGER),
  /**
   * The native count filter's path (empty: the fastest this CPU runs). Read where the addon loads
   * (sketch/kernels/native-count-filter.ts, which also checks the CPU runs it); named here so a
   * misspelt value stops the start in one line.
   */
  DPDIST_NATIVE_PATH: z.union([z.enum(NATIVE_PATHS), z.literal('')]).optional(),
  /** Longest the server's thread waits inside SQLite for another connection's write lock (it then retries asynchronously). */
  DPDIST_BUSY_TIMEOUT_MS: intFrom(5, 0, 60_000),
  /** Longest a write retries for the lock before it is answered 503 with Retry-After. */
  DPDIST_LOCK_WAIT_MS: intFrom(5000, 0, 600_000),
})

export interface Config {
  host: string
  port: number
  dbPath: string
  adminToken: string | undefined
  logLevel: string
  maxEpsilonMicro: number
  jsonBodyLimit: number
  uploadLimit: number
  rateLimitPerMinute: number
  batchMax: number
  workers: number
  requestTimeoutMs: number
  idleTimeoutMs: number
  scanQueue: number
  maxEventLoopDelayMs: number
  maxHeapBytes: number
  maxRssBytes: number
  busyTimeoutMs: number
  lockWaitMs: number
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`)
  }
  const e = parsed.data
  return {
    host: e.HOST,
    port: e.PORT,
    dbPath: e.DPDIST_DB,
    adminToken: e.DPDIST_ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    maxEpsilonMicro: e.DPDIST_MAX_EPSILON,
    jsonBodyLimit: e.DPDIST_JSON_LIMIT,
    uploadLimit: e.DPDIST_UPLOAD_LIMIT,
    rateLimitPerMinute: e.DPDIST_RATE_LIMIT,
    batchMax: e.DPDIST_BATCH_MAX,
    workers: e.DPDIST_WORKERS,
    requestTimeoutMs: e.DPDIST_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: e.DPDIST_IDLE_TIMEOUT_MS,
    scanQueue: e.DPDIST_SCAN_QUEUE || 64 * Math.max(1, e.DPDIST_WORKERS),
    maxEventLoopDelayMs: e.DPDIST_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapBytes: e.DPDIST_MAX_HEAP_BYTES,
    maxRssBytes: e.DPDIST_MAX_RSS_BYTES,
    busyTimeoutMs: e.DPDIST_BUSY_TIMEOUT_MS,
    lockWaitMs: e.DPDIST_LOCK_WAIT_MS,
  }
}
