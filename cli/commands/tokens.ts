/** `dpdist token create|list|revoke`. */
import type { TokenView } from '../backend.js'
import { emit, type CommandContext } from '../context.js'
import { UsageError } from '../options.js'
import { eps, table } from '../output.js'

export interface CreateTokenFlags {
  role: 'admin' | 'analyst'
  datasets?: string[]
  /** ε quota on each of `datasets` (analyst tokens). */
  quota?: string
  label?: string
}

export async function createToken(ctx: CommandContext, o: CreateTokenFlags): Promise<void> {
  if (o.quota !== undefined && (o.role !== 'analyst' || o.datasets === undefined)) {
    throw new UsageError('--quota applies to analyst tokens with --datasets (a quota on each listed dataset)')
  }
  const t = await ctx.backend.createToken({
    role: o.role,
    ...(o.datasets === undefined ? {} : { datasets: o.datasets.map((name) => (o.quota === undefined ? name : { name, epsilonQuota: o.quota! })) }),
    ...(o.label === undefined ? {} : { label: o.label }),
  })
  emit(ctx, t, () => `created ${t.role} token ${t.id} (${scopeText(t)})\n\n  ${t.token}\n\nthe secret is shown once: only its hash is stored\n`)
}

export async function listTokens(ctx: CommandContext): Promise<void> {
  const tokens = await ctx.backend.listTokens()
  emit(ctx, { tokens }, () => (tokens.length === 0 ? 'no tokens\n' : renderTokens(tokens)))
}

export async function revokeToken(ctx: CommandContext, id: string): Promise<void> {
  const t = await ctx.backend.revokeToken(id)
  emit(ctx, t, () => `revoked token ${t.id}\n`)
}

/** "all datasets", or each dataset with its quota: "people (ε quota 0.3, 0.1 spent), old (deleted)". */
function scopeText(t: TokenView): string {
  if (t.role === 'admin' || t.scopes === null) return 'all datasets'
  return t.scopes
    .map((s) => {
      if (s.deleted) return `${s.dataset} (deleted)`
      return s.epsilonQuota === null ? s.dataset : `${s.dataset} (ε quota ${eps(s.epsilonQuota)}, ${eps(s.spent)} spent)`
    })
    .join(', ')
}

function renderTokens(tokens: TokenView[]): string {
  return table(
    ['id', 'role', 'datasets', 'label', 'created', 'revoked'],
    tokens.map((t) => [t.id, t.role, scopeText(t), t.label, t.createdAt, t.revokedAt]),
  )
}
