/** `dpdist dataset create|list|show|delete` and `dpdist budget`. */
import type { BudgetView, DatasetDetail, DatasetSummary, IdentityLedgers } from '../backend.js'
import { emit, type CommandContext } from '../context.js'
import { count, eps, keyValues, table } from '../output.js'
import type { MetricFlag } from '../options.js'

export interface CreateDatasetOptions {
  bits: number
  unitBits?: number
  budget: string
  retainRaw: boolean
  metrics?: MetricFlag[]
}

export async function createDataset(ctx: CommandContext, name: string, o: CreateDatasetOptions): Promise<void> {
  const d = await ctx.backend.createDataset({
    name,
    bits: o.bits,
    epsilonBudget: o.budget,
    retainRaw: o.retainRaw,
    ...(o.unitBits === undefined ? {} : { unitBits: o.unitBits }),
    ...(o.metrics === undefined ? {} : { metrics: o.metrics }),
  })
  emit(ctx, d, () => `created dataset ${d.name}: ${d.bits}-bit records, ε budget ${eps(Number(o.budget))}, ${describeRaw(d)}\n`)
}

export async function listDatasets(ctx: CommandContext): Promise<void> {
  const datasets = await ctx.backend.listDatasets()
  emit(ctx, { datasets }, () =>
    datasets.length === 0
      ? 'no datasets\n'
      : table(
          ['name', 'bits', 'unit bits', 'records', 'metrics', 'raw bits'],
          datasets.map((d) => [d.name, d.bits, d.unitBits, count(d.records), d.metrics.join(','), rawState(d)]),
        ),
  )
}

export async function showDataset(ctx: CommandContext, name: string): Promise<void> {
  const d = await ctx.backend.getDataset(name)
  emit(ctx, d, () => renderDataset(d))
}

export async function deleteDataset(ctx: CommandContext, name: string): Promise<void> {
  await ctx.backend.deleteDataset(name)
  emit(ctx, { deleted: name }, () => `deleted dataset ${name} (its records and sketches; its ledger stays)\n`)
}

export async function budget(ctx: CommandContext, name: string, set: string | undefined): Promise<void> {
  const view = set === undefined ? await ctx.backend.budget(name) : await ctx.backend.setBudget(name, set)
  emit(ctx, view, () => renderBudget(view))
}

/** `dpdist budget NAME --deleted`: the ledgers that outlived deleted datasets of that name (admin). */
export async function deletedBudgets(ctx: CommandContext, name: string): Promise<void> {
  const found = await ctx.backend.ledgers(name, true)
  emit(ctx, found, () => renderIdentityLedgers(found))
}

function rawState(d: DatasetSummary): string {
  if (d.rawDeleted) return 'deleted'
  return d.retainRaw ? 'retained' : 'until 1st sketch'
}

function describeRaw(d: DatasetSummary): string {
  return d.retainRaw ? 'raw bits retained (rebuilds and the geometric mechanism allowed)' : 'raw bits deleted once the first sketch is ready'
}

export function renderDataset(d: DatasetDetail): string {
  const head = keyValues([
    ['dataset', d.name],
    ['bits', d.bits],
    ['unit bits', d.unitBits],
    ['records', count(d.records)],
    ['metrics', d.metrics.join(', ')],
    ['raw bits', d.rawDeleted ? 'deleted (the dataset is sealed)' : d.retainRaw ? 'retained' : 'kept until the first sketch is ready'],
    ['created', d.createdAt],
    ['ε budget', `${eps(d.budget.spent)} spent of ${eps(d.budget.epsilonBudget)} (${eps(d.budget.remaining)} remaining)`],
    ['privacy', `${d.privacy.guarantee}; neighbours: ${d.privacy.neighbourRelation}`],
  ])
  const sketches =
    d.sketches.length === 0
      ? 'no sketches\n'
      : table(
          ['sketch', 'metric', 'mechanism', 'status', 'ε', 'k', 'records'],
          d.sketches.map((s) => [s.id, s.metric, s.mechanism, s.status, eps(s.epsilon), s.k, count(s.records)]),
        )
  return `${head}\n${sketches}`
}

export function renderBudget(b: BudgetView): string {
  const head = keyValues([
    ['dataset', b.dataset],
    ['ε budget', eps(b.epsilonBudget)],
    ['spent', eps(b.spent)],
    ['remaining', eps(b.remaining)],
  ])
  const quota = b.quota ? `ε quota of this token: ${eps(b.quota.spent)} spent of ${eps(b.quota.epsilonQuota)} (${eps(b.quota.remaining)} remaining)\n` : ''
  const principals =
    b.principals && b.principals.length > 0
      ? `\n${table(
          ['principal', 'label', 'spent ε', 'quota ε', 'remaining ε'],
          b.principals.map((p) => [p.tokenId ?? 'local', p.label, eps(p.spent), p.epsilonQuota === null ? null : eps(p.epsilonQuota), p.remaining === null ? null : eps(p.remaining)]),
        )}`
      : ''
  return `${head}${quota}${principals}\n${renderLedger(b.ledger)}`
}

function renderLedger(ledger: BudgetView['ledger']): string {
  if (ledger.length === 0) return 'no charges yet\n'
  return table(
    ['#', 'at', 'kind', 'ε', 'token', 'details'],
    ledger.map((e) => [e.id, e.at, e.kind, eps(e.epsilon), e.tokenId ?? 'local', ledgerDetails(e.details)]),
  )
}

export function renderIdentityLedgers(found: IdentityLedgers): string {
  return found.datasets
    .map((d) => {
      const head = keyValues([
        ['dataset', `${d.dataset}${d.deleted ? ' (deleted)' : ''}`],
        ['created', d.createdAt],
        ['deleted', d.deletedAt],
        ['ε budget', d.epsilonBudget === null ? null : eps(d.epsilonBudget)],
        ['spent', eps(d.spent)],
      ])
      return `${head}\n${renderLedger(d.ledger)}`
    })
    .join('\n')
}

function ledgerDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
}
