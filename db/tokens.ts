/**
 * API tokens. Only SHA-256 hashes are stored; the secret is shown once, when it is created.
 *
 * An analyst token is either unscoped (every dataset) or scoped to dataset ids (token_scopes),
 * each with an optional ε quota. Scopes name ids, which are never reused: the scope of a deleted
 * dataset stays (with what the token spent there) and opens no later dataset of the same name.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from './database.js'

export type Role = 'admin' | 'analyst'

export interface TokenScope {
  datasetId: number
  /** The dataset's name (as it was, when it has been deleted). */
  dataset: string
  deleted: boolean
  /** Most micro-ε this token may be charged on the dataset; null: no quota. */
  quotaMicro: number | null
  spentMicro: number
}

export interface Token {
  id: string
  role: Role
  /** The datasets an analyst may use; null = all. Admin tokens are never restricted. */
  scopes: TokenScope[] | null
  label: string | null
  createdAt: string
  revokedAt: string | null
}

export interface NewScope {
  datasetId: number
  quotaMicro: number | null
}

/** A scoped token's quota on a dataset, with its token's label (the budget view of an admin). */
export interface DatasetQuota {
  tokenId: string
  label: string | null
  quotaMicro: number | null
  spentMicro: number
}

interface TokenRow {
  id: string
  hash: string
  role: Role
  scoped: number
  label: string | null
  created_at: string
  revoked_at: string | null
}

interface ScopeRow {
  dataset_id: number
  dataset: string | null
  deleted: number
  quota_micro: number | null
  spent_micro: number
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

export function generateSecret(): string {
  return `dpd_${randomBytes(32).toString('base64url')}`
}

export class TokenRepository {
  readonly #db: Db
  readonly #byHash
  readonly #insert
  readonly #insertScope
  readonly #scopes

  constructor(db: Db) {
    this.#db = db
    this.#byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?')
    this.#insert = db.prepare('INSERT INTO tokens (id, hash, role, scoped, label, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    this.#insertScope = db.prepare('INSERT INTO token_scopes (token_id, dataset_id, quota_micro) VALUES (?, ?, ?)')
    this.#scopes = db.prepare<[string], ScopeRow>(
      `SELECT s.dataset_id, COALESCE(d.name, x.name) AS dataset, d.id IS NULL AS deleted, s.quota_micro, s.spent_micro
       FROM token_scopes s LEFT JOIN datasets d ON d.id = s.dataset_id LEFT JOIN deleted_datasets x ON x.id = s.dataset_id
       WHERE s.token_id = ? ORDER BY s.dataset_id`,
    )
  }

  #toToken(row: TokenRow): Token {
    const scopes =
      row.scoped === 1
        ? this.#scopes.all(row.id).map((s) => ({
            datasetId: s.dataset_id,
            dataset: s.dataset ?? `#${s.dataset_id}`,
            deleted: s.deleted === 1,
            quotaMicro: s.quota_micro,
            spentMicro: s.spent_micro,
          }))
        : null
    return { id: row.id, role: row.role, scopes, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at }
  }

  /**
   * Creates a token (with its scope rows, in one transaction) and returns it with its secret (the
   * only time the secret exists in clear). `scopes` null: every dataset.
   */
  create(role: Role, scopes: NewScope[] | null, label: string | null, secret = generateSecret(), id?: string): { token: Token; secret: string } {
    const tokenId = id ?? `tok_${randomBytes(8).toString('hex')}`
    const scoped = role === 'analyst' && scopes !== null
    this.#db.transaction(() => {
      this.#insert.run(tokenId, hashToken(secret), role, scoped ? 1 : 0, label, new Date().toISOString())
      if (scoped) for (const s of scopes) this.#insertScope.run(tokenId, s.datasetId, s.quotaMicro)
    }).immediate()
    return { token: this.findById(tokenId)!, secret }
  }

  /** The live (not revoked) token with this secret, compared in constant time on the hash. */
  verify(secret: string): Token | undefined {
    const hash = hashToken(secret)
    const row = this.#byHash.get(hash)
    if (!row || row.revoked_at !== null) return undefined
    const same = timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))
    return same ? this.#toToken(row) : undefined
  }

  findById(id: string): Token | undefined {
    const row = this.#db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?').get(id)
    return row && this.#toToken(row)
  }

  hasHash(secret: string): boolean {
    return this.#byHash.get(hashToken(secret)) !== undefined
  }

  list(): Token[] {
    return this.#db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id').all().map((r) => this.#toToken(r))
  }

  /** The scope rows of every token on one dataset. */
  quotasOn(datasetId: number): DatasetQuota[] {
    return this.#db
      .prepare<[number], { token_id: string; label: string | null; quota_micro: number | null; spent_micro: number }>(
        'SELECT s.token_id, t.label, s.quota_micro, s.spent_micro FROM token_scopes s JOIN tokens t ON t.id = s.token_id WHERE s.dataset_id = ? ORDER BY s.token_id',
      )
      .all(datasetId)
      .map((r) => ({ tokenId: r.token_id, label: r.label, quotaMicro: r.quota_micro, spentMicro: r.spent_micro }))
  }

  countAdmins(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM tokens WHERE role = 'admin' AND revoked_at IS NULL").get() as { n: number }).n
  }

  revoke(id: string): boolean {
    return this.#db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes === 1
  }
}
