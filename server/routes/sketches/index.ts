import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorResponses, nameParams } from '../../../core/schemas/common.js'
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
        summary: 'Build a private sketch (admin): ε is debited before any noise is drawn; 202 with a job',
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
        summary: 'Dry run: ε cost, bytes per record, predicted sd at 0, k/2, k, and the smallest ε for a target sd. Charges nothing.',
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
    { schema: { tags: ['sketches'], summary: 'List sketches', params: nameParams, response: { 200: sketchList, ...errorResponses } } },
    async (req) => ({ sketches: sketches.list(datasets.get(req.principal, req.params.name)) }),
  )

  app.get(
    '/:name/sketches/:id',
    { schema: { tags: ['sketches'], summary: 'Sketch status and progress', params: sketchParams, response: { 200: sketchView, ...errorResponses } } },
    async (req) => sketches.get(datasets.get(req.principal, req.params.name), req.params.id),
  )
}
export default routes
