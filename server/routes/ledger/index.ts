import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { identityLedgers, ledgerQuery } from '../../../core/schemas/budget.js'
import { readErrors } from '../../errors.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      schema: {
        tags: ['budget'],
        operationId: 'getLedgers',
        description: 'Every identity that bore the name, oldest first, with its ledger rows; `deleted=true` keeps only the deleted ones.',
        summary: 'The ledgers of every dataset that bore a name, deleted ones included (admin): the audit trail outlives the dataset',
        querystring: ledgerQuery,
        response: { 200: identityLedgers, ...readErrors },
      },
    },
    async (req) => ({ datasets: app.services.budget.ledgers(req.principal, req.query.dataset, req.query.deleted === 'true') }),
  )
}
export default routes
