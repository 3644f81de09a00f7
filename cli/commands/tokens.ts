/** `dpdist token create|list|revoke`. */
import type { TokenView } from '../backend.js'
import { emit, type CommandContext } from '../context.js'
import { table } from '../output.js'

export interface CreateTokenFlags {
  role: 'admin' | 'analyst'
  datasets?: string[]
  label?: string
}

export async function createToken(ctx: CommandContext, o: CreateTokenFlags): Promise<void> {
  const t = await ctx.backend.createToken({
    role: o.role,
    ...(o.datasets === undefined ? {} : { datasets: o.datasets }),
    ...(o.label === undefined ? {} : { label: o.label }),
  })
  const scope = t.role === 'admin' ? 'all datasets' : t.datasets === null ? 'all datasets' : `datasets ${t.datasets.join(', ')}`
  emit(ctx, t, () => `created ${t.role} token ${t.id} (${scope})\n\n  ${t.token}\n\nthe secret is shown once: only its hash is stored\n`)
}

export async function listTokens(ctx: CommandContext): Promise<void> {
  const tokens = await ctx.backend.listTokens()
  emit(ctx, { tokens }, () => (tokens.length === 0 ? 'no tokens\n' : renderTokens(tokens)))
}

export async function revokeToken(ctx: CommandContext, id: string): Promise<void> {
  const t = await ctx.backend.revokeToken(id)
  emit(ctx, t, () => `revoked token ${t.id}\n`)
}

function renderTokens(tokens: TokenView[]): string {
  return table(
    ['id', 'role', 'datasets', 'label', 'created', 'revoked'],
    tokens.map((t) => [t.id, t.role, t.datasets === null ? 'all' : t.datasets.join(','), t.label, t.createdAt, t.revokedAt]),
  )
}
