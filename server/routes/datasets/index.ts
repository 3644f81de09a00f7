import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { parseEpsilon } from '../../../privacy/epsilon.js'
import { budgetView, setBudgetBody } from '../../../core/schemas/budget.js'
import { errorResponses, nameParams } from '../../../core/schemas/common.js'
import { createDatasetBody, datasetDetail as datasetDetailSchema, datasetList, datasetSummary } from '../../../core/schemas/datasets.js'
import { summarize } from '../../../core/datasets.js'
import { createDatasetInput, datasetDetail } from '../../../core/requests.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  const { datasets, budget } = app.services

  app.post(
    '',
    { schema: { tags: ['datasets'], summary: 'Create a dataset (admin)', body: createDatasetBody, response: { 201: datasetSummary, ...errorResponses } } },
    async (req, reply) => {
      const created = await datasets.create(req.principal, createDatasetInput(req.body))
      return reply.code(201).send(summarize(created))
    },
  )

  app.get('', { schema: { tags: ['datasets'], summary: 'List the datasets this token may see', response: { 200: datasetList, ...errorResponses } } }, async (req) => ({
    datasets: datasets.list(req.principal).map(summarize),
  }))

  app.get(
    '/:name',
    { schema: { tags: ['datasets'], summary: 'Dataset details, sketches, budget and privacy statement', params: nameParams, response: { 200: datasetDetailSchema, ...errorResponses } } },
    async (req) => datasetDetail(app.services, datasets.get(req.principal, req.params.name)),
  )

  app.delete(
    '/:name',
    { schema: { tags: ['datasets'], summary: 'Delete a dataset, its records and sketches (admin); its ledger stays', params: nameParams, response: { 204: z.null(), ...errorResponses } } },
    async (req, reply) => {
      await datasets.delete(req.principal, req.params.name)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/:name/budget',
    { schema: { tags: ['budget'], summary: 'Budget, spend and the append-only ledger', params: nameParams, response: { 200: budgetView, ...errorResponses } } },
    async (req) => budget.view(datasets.get(req.principal, req.params.name)),
  )

  app.put(
    '/:name/budget',
    { schema: { tags: ['budget'], summary: 'Set the total ε budget (admin; leaves a ledger row)', params: nameParams, body: setBudgetBody, response: { 200: budgetView, ...errorResponses } } },
    async (req) => {
      const d = datasets.get(req.principal, req.params.name)
      return budget.setBudget(req.principal, d, parseEpsilon(req.body.epsilonBudget))
    },
  )
}
export default routes
