/** Token issuing (with dataset scopes and ε quotas), verification, revocation, and the bootstrap admin token. */
import type { NewScope, Role, Token } from '../db/tokens.js'
import { invalid, notFound } from './errors.js'
import { write, type ServiceContext } from './context.js'
import { type Principal, principalOf, requireAdmin } from './principal.js'

export const ENV_ADMIN_TOKEN_ID = 'tok_env_admin'

/** A dataset an analyst token may use, by name, with an optional quota in micro-ε. */
export interface ScopeInput {
  name: string
  quotaMicro: number | null
}

export interface CreateTokenInput {
  role: Role
  /** null: every dataset (analysts), and always for admins. */
  datasets: ScopeInput[] | null
  label: string | null
}

export class TokenService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /**
   * Makes sure an admin can log in: the token from DPDIST_ADMIN_TOKEN is registered (by hash), or,
   * when none is configured and no admin token exists yet, one is generated and returned so the
   * caller can print it once.
   */
  bootstrap(): Promise<{ generated: string | null }> {
    return write(this.#ctx, () => this.#bootstrap())
  }

  #bootstrap(): { generated: string | null } {
    const { adminToken } = this.#ctx.config
    if (adminToken) {
      if (!this.#ctx.tokens.hasHash(adminToken)) {
        const existing = this.#ctx.tokens.findById(ENV_ADMIN_TOKEN_ID)
        if (existing && existing.revokedAt === null) this.#ctx.tokens.revoke(ENV_ADMIN_TOKEN_ID)
        const id = existing ? `${ENV_ADMIN_TOKEN_ID}_${Date.now().toString(36)}` : ENV_ADMIN_TOKEN_ID
        this.#ctx.tokens.create('admin', null, 'DPDIST_ADMIN_TOKEN', adminToken, id)
      }
      return { generated: null }
    }
    if (this.#ctx.tokens.countAdmins() > 0) return { generated: null }
    const { secret } = this.#ctx.tokens.create('admin', null, 'generated on first start')
    return { generated: secret }
  }

  authenticate(secret: string): Principal | undefined {
    const token = this.#ctx.tokens.verify(secret)
    return token && principalOf(token)
  }

  /**
   * Issues a token. An analyst's datasets are resolved to their identities now: the token may use
   * these datasets, not later ones that take their names. Quotas apply to analyst tokens only.
   */
  async create(principal: Principal, input: CreateTokenInput): Promise<{ token: Token; secret: string }> {
    requireAdmin(principal)
    const { role, datasets, label } = input
    if (role === 'admin' && datasets?.some((d) => d.quotaMicro !== null)) throw invalid('quotas apply to analyst tokens; admin tokens are never limited')
    let scopes: NewScope[] | null = null
    if (role === 'analyst' && datasets !== null) {
      const seen = new Set<string>()
      scopes = datasets.map((d) => {
        if (seen.has(d.name)) throw invalid(`dataset "${d.name}" is listed twice`)
        seen.add(d.name)
        const dataset = this.#ctx.datasets.findByName(d.name)
        if (!dataset) throw notFound(`no dataset named "${d.name}"`)
        return { datasetId: dataset.id, quotaMicro: d.quotaMicro }
      })
    }
    const created = await write(this.#ctx, () => this.#ctx.tokens.create(role, scopes, label))
    this.#ctx.log.info({ tokenId: created.token.id, role }, 'token created')
    return created
  }

  list(principal: Principal): Token[] {
    requireAdmin(principal)
    return this.#ctx.tokens.list()
  }

  /** The token a principal authenticated with (any role may read its own). */
  self(principal: Principal): Token {
    const token = principal.tokenId === null ? undefined : this.#ctx.tokens.findById(principal.tokenId)
    if (!token) throw notFound('this caller has no token (local operator)')
    return token
  }

  async revoke(principal: Principal, id: string): Promise<Token> {
    requireAdmin(principal)
    const token = this.#ctx.tokens.findById(id)
    if (!token) throw notFound(`no token with id "${id}"`)
    await write(this.#ctx, () => this.#ctx.tokens.revoke(id))
    this.#ctx.log.info({ tokenId: id }, 'token revoked')
    return this.#ctx.tokens.findById(id)!
  }
}
