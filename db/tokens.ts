/** API tokens. Only SHA-256 hashes are stored; the secret is shown once, when it is created. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from './database.js'

export type Role = 'admin' | 'analyst'

export interface Token {
  id: string
  role: Role
  /** Datasets an analyst may query; null = all. Admin tokens are never restricted. */
  datasets: string[] | null
  label: string | null
  createdAt: string
  revokedAt: string | null
}

interface TokenRow {
  id: string
  hash: string
  role: Role
  datasets: string | null
  label: string | null
  created_at: string
  revoked_at: string | null
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

export function generateSecret(): string {
  return `dpd_${randomBytes(32).toString('base64url')}`
}

function toToken(row: TokenRow): Token {
  return {
    id: row.id,
    role: row.role,
    datasets: row.datasets === null ? null : (JSON.parse(row.datasets) as string[]),
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}

export class TokenRepository {
  readonly #db: Db
  readonly #byHash
  readonly #insert

  constructor(db: Db) {
    this.#db = db
    this.#byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?')
    this.#insert = db.prepare(
      'INSERT INTO tokens (id, hash, role, datasets, label, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
  }

  /** Creates a token and returns it with its secret (the only time the secret exists in clear). */
  create(role: Role, datasets: string[] | null, label: string | null, secret = generateSecret(), id?: string): { token: Token; secret: string } {
    const tokenId = id ?? `tok_${randomBytes(8).toString('hex')}`
    const now = new Date().toISOString()
    this.#insert.run(tokenId, hashToken(secret), role, datasets === null ? null : JSON.stringify(datasets), label, now)
    return { token: { id: tokenId, role, datasets, label, createdAt: now, revokedAt: null }, secret }
  }

  /** The live (not revoked) token with this secret, compared in constant time on the hash. */
  verify(secret: string): Token | undefined {
    const hash = hashToken(secret)
    const row = this.#byHash.get(hash)
    if (!row || row.revoked_at !== null) return undefined
    const same = timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))
    return same ? toToken(row) : undefined
  }

  findById(id: string): Token | undefined {
    const row = this.#db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?').get(id)
    return row && toToken(row)
  }

  hasHash(secret: string): boolean {
    return this.#byHash.get(hashToken(secret)) !== undefined
  }

  list(): Token[] {
    return this.#db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id').all().map(toToken)
  }

  countAdmins(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM tokens WHERE role = 'admin' AND revoked_at IS NULL").get() as { n: number }).n
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes === 1
  }
}
