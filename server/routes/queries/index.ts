import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ProblemError, errorResponses } from '../../errors.js'
import { nameParams } from '../../../core/schemas/common.js'
import { batchBody, batchResponse, queryBody, queryResponse } from '../../../core/schemas/queries.js'
import { parseQueryBits, queryRequest } from '../../../core/requests.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  const { datasets, queries } = app.services
  const cap = app.config.maxEpsilonMicro

  app.post(
    '/:name/query',
    {
      schema: {
        tags: ['queries'],
        operationId: 'query',
        summary: 'Estimated distances from a query string to every record (sketch: free; geometric: charged)',
        description:
          'Estimates with confidence intervals, nearest first. On a sketch (default) it is free post-processing; the geometric mechanism ' +
          'charges ε per query before any noise (409 budget-exhausted when over budget).',
        params: nameParams,
        body: queryBody,
        response: { 200: queryResponse, ...errorResponses },
      },
    },
    async (req) => {
      const d = datasets.get(req.principal, req.params.name)
      const { query, ...options } = req.body
      return queries.query(req.principal, d, queryRequest(options, parseQueryBits(query, options.encoding, d.bits), cap))
    },
  )

  app.post(
    '/:name/query::batch',
    {
      schema: {
        tags: ['queries'],
        operationId: 'queryBatch',
        summary: 'Many query strings in one call, sharing options (geometric batches are charged in total, up front)',
        description: 'One answer per query string, in order. A geometric batch is charged in one debit for all its queries, or not at all.',
        params: nameParams,
        body: batchBody,
        response: { 200: batchResponse, ...errorResponses },
      },
    },
    async (req) => {
      const d = datasets.get(req.principal, req.params.name)
      const { queries: texts, ...options } = req.body
      if (texts.length > app.config.batchMax) {
        throw new ProblemError(400, 'validation-error', `a batch holds at most ${app.config.batchMax} queries`)
      }
      const reqs = texts.map((t, i) => queryRequest(options, parseQueryBits(t, options.encoding, d.bits, i), cap))
      return queries.batch(req.principal, d, reqs)
    },
  )
}
export default routes
