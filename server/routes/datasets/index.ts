import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { parseEpsilon } from '../../../privacy/epsilon.js'
import { budgetView, setBudgetBody } from '../../../core/schemas/budget.js'
import { nameParams } from '../../../core/schemas/common.js'
import { createDatasetBody, datasetDetail as datasetDetailSchema, datasetList, datasetSummary } from '../../../core/schemas/datasets.js'
import { summarize } from '../../../core/datasets.js'
import { createDatasetInput, datasetDetail } from '../../../core/requests.js'
import { errorResponses, readErrors } from '../../errors.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  const { datasets, budget } = app.services

  app.post(
    '',
    {
      schema: {
        tags: ['datasets'],
        operationId: 'createDataset',
        summary: 'Create a dataset (admin)',
        description: 'Creates an empty dataset of `bits`-bit records with a total ε budget. Records are uploaded next (POST …/records).',
        body: createDatasetBody,
        response: { 201: datasetSummary, ...errorResponses },
      },
    },
    async (req, reply) => {
      const created = await datasets.create(req.principal, createDatasetInput(req.body))
      return reply.code(201).send(summarize(created))
    },
  )

  app.get(
    '',
    {
      schema: {
        tags: ['datasets'],
        operationId: 'listDatasets',
        summary: 'List the datasets this token may see',
        description: 'Admin tokens see every dataset; analyst tokens only those they were granted.',
        response: { 200: datasetList, ...readErrors },
      },
    },
    async (req) => ({ datasets: datasets.list(req.principal).map(summarize) }),
  )

  app.get(
    '/:name',
    {
      schema: {
        tags: ['datasets'],
        operationId: 'getDataset',
        summary: 'Dataset details, sketches, budget and privacy statement',
        description: 'The dataset, its sketches, its budget and the privacy statement of everything released from it so far.',
        params: nameParams,
        response: { 200: datasetDetailSchema, ...readErrors },
      },
    },
    async (req) => datasetDetail(app.services, datasets.get(req.principal, req.params.name)),
  )

  app.delete(
    '/:name',
    {
      schema: {
        tags: ['datasets'],
        operationId: 'deleteDataset',
        summary: 'Delete a dataset, its records and sketches (admin); its ledger stays',
        description:
          'Deletes the records and sketches. The name is free at once; the answer comes once the rows (removed in short steps that leave other writers the lock) and their bits in the write-ahead log are gone. The ledger rows stay, so ε spent on the name is never forgotten.',
        params: nameParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { finished } = await datasets.delete(req.principal, req.params.name)
      await finished
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/:name/budget',
    {
      schema: {
        tags: ['budget'],
        operationId: 'getBudget',
        summary: 'Budget, spend and the append-only ledger; spend per principal (admin) or the token quota (analyst)',
        description: 'ε budget, spent and remaining (as numbers and exact integer micro-ε), every ledger row, the ε spent per principal (admin tokens) or the calling token\'s own quota (analyst tokens).',
        params: nameParams,
        response: { 200: budgetView, ...readErrors },
      },
    },
    async (req) => budget.view(req.principal, datasets.get(req.principal, req.params.name)),
  )

  app.put(
    '/:name/budget',
    {
      schema: {
        tags: ['budget'],
        operationId: 'setBudget',
        summary: 'Set the total ε budget (admin; leaves a ledger row)',
        description: 'Sets the total ε budget; it may not go below what is already spent (409 conflict).',
        params: nameParams,
        body: setBudgetBody,
        response: { 200: budgetView, ...errorResponses },
      },
    },
    async (req) => {
      const d = datasets.get(req.principal, req.params.name)
      return budget.setBudget(req.principal, d, parseEpsilon(req.body.epsilonBudget))
    },
  )
}
export default routes
