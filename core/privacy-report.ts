/**
 * The privacy statement attached to dataset views and query answers (docs/privacy-model.md): the neighbour
 * relation, what this answer charged, what has been spent, and the group-privacy profile
 * ε(t) = t·ε/unitBits for a change of t bit positions of one record.
 */
import type { Dataset } from '../db/datasets.js'
import { epsilonFromMicro } from '../privacy/epsilon.js'
import type { z } from 'zod'
import type { privacyReport as privacyReportSchema } from './schemas/common.js'

export type EpsilonAtBits = PrivacyReport['profile'][number]

export type PrivacyReport = z.output<typeof privacyReportSchema>

export function profileFor(epsilonMicro: number, unitBits: number): EpsilonAtBits[] {
  const points = [...new Set([1, unitBits, 2 * unitBits, 8 * unitBits])].sort((a, b) => a - b)
  return points.map((t) => ({ changedBits: t, epsilon: epsilonFromMicro(Math.ceil((t * epsilonMicro) / unitBits)) }))
}

export function privacyReport(dataset: Dataset, chargedMicro: number, notes: string[] = [], releaseMicro = chargedMicro): PrivacyReport {
  return {
    guarantee: 'pure ε-differential privacy',
    neighbourRelation: `databases that differ in at most ${dataset.unitBits} bit position${dataset.unitBits === 1 ? '' : 's'} of one record; record ids, the record count m and the length n are public`,
    unitBits: dataset.unitBits,
    epsilonCharged: epsilonFromMicro(chargedMicro),
    epsilonOfRelease: epsilonFromMicro(releaseMicro),
    epsilonSpent: epsilonFromMicro(dataset.spentMicro),
    epsilonBudget: epsilonFromMicro(dataset.budgetMicro),
    epsilonRemaining: epsilonFromMicro(dataset.budgetMicro - dataset.spentMicro),
    profile: profileFor(releaseMicro, dataset.unitBits),
    totalProfile: profileFor(dataset.spentMicro, dataset.unitBits),
    notes,
  }
}
