import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { nameParams } from '../../../core/schemas/common.js'
import { errorResponses, readErrors } from '../../errors.js'
import { estimateBody, sketchBody, sketchEstimate, sketchList, sketchParams, sketchView } from '../../../core/schemas/sketches.js'
import { sketchRequest } from '../../../core/requests.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  const { datasets, sketches } = app.services
  const cap = app.config.maxEpsilonMicro

  app.post(
    '/:name/sketches',
    {
      schema: {
        tags: ['sketches'],
        operationId: 'buildSketch',
        summary: 'Build a private sketch (admin): ε is debited before any noise is drawn; 202 with a job',
        description: 'Debits ε from the budget (409 budget-exhausted when it would be exceeded), then builds in the background. Poll Location until status is ready.',
        params: nameParams,
        body: sketchBody,
        response: { 202: sketchView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const d = datasets.get(req.principal, req.params.name)
      const job = await sketches.build(req.principal, d, sketchRequest(req.body, cap))
      return reply.code(202).header('Location', `/v1/datasets/${d.name}/sketches/${job.id}`).send(job)
    },
  )

  // "sketches:estimate": the doubled colon is Fastify's escape for a literal ':'.
  app.post(
    '/:name/sketches::estimate',
    {
      schema: {
        tags: ['sketches'],
        operationId: 'estimateSketch',
        summary: 'Dry run: ε cost, bytes per record, predicted sd at 0, k/2, k, and the smallest ε for a target sd. Charges nothing.',
        description: 'Plans a sketch without building it or charging anything: its size, its predicted error and, with targetSd, the smallest ε that reaches it.',
        params: nameParams,
        body: estimateBody,
        response: { 200: sketchEstimate, ...errorResponses },
      },
    },
    async (req) => {
      const d = datasets.get(req.principal, req.params.name)
      return sketches.estimate(d, sketchRequest(req.body, cap), req.body.targetSd)
    },
  )

  app.get(
    '/:name/sketches',
    {
      schema: {
        tags: ['sketches'],
        operationId: 'listSketches',
        summary: 'List sketches',
        description: 'Every sketch of the dataset with its status, ε and size.',
        params: nameParams,
        response: { 200: sketchList, ...readErrors },
      },
    },
    async (req) => ({ sketches: sketches.list(datasets.get(req.principal, req.params.name)) }),
  )

  app.get(
    '/:name/sketches/:id',
    {
      schema: {
        tags: ['sketches'],
        operationId: 'getSketch',
        summary: 'Sketch status and progress',
        description: 'Poll this (the Location of the 202) until status is ready or failed.',
        params: sketchParams,
        response: { 200: sketchView, ...readErrors },
      },
    },
    async (req) => sketches.get(datasets.get(req.principal, req.params.name), req.params.id),
  )
}
export default routes
