/** Token issuing, verification, revocation, and the bootstrap admin token. */
import type { Role, Token } from '../db/tokens.js'
import { notFound } from './errors.js'
import { write, type ServiceContext } from './context.js'
import { type Principal, principalOf, requireAdmin } from './principal.js'

export const ENV_ADMIN_TOKEN_ID = 'tok_env_admin'

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

  async create(principal: Principal, role: Role, datasets: string[] | null, label: string | null): Promise<{ token: Token; secret: string }> {
    requireAdmin(principal)
    const created = await write(this.#ctx, () => this.#ctx.tokens.create(role, role === 'admin' ? null : datasets, label))
    this.#ctx.log.info({ tokenId: created.token.id, role }, 'token created')
    return created
  }

  list(principal: Principal): Token[] {
    requireAdmin(principal)
    return this.#ctx.tokens.list()
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
