import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { identityLedgers, ledgerQuery } from '../../../core/schemas/budget.js'
import { errorResponses } from '../../../core/schemas/common.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      schema: {
        tags: ['budget'],
        summary: 'The ledgers of every dataset that bore a name, deleted ones included (admin): the audit trail outlives the dataset',
        querystring: ledgerQuery,
        response: { 200: identityLedgers, ...errorResponses },
      },
    },
    async (req) => ({ datasets: app.services.budget.ledgers(req.principal, req.query.dataset, req.query.deleted === 'true') }),
  )
}
export default routes
