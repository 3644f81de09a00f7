/**
 * Record upload in any upload format (server/uploads.ts). Every request is all-or-nothing.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { encoding, nameParams } from '../../../core/schemas/common.js'
import { errorResponses } from '../../errors.js'
import { requireAdmin } from '../../../core/principal.js'
import { loadResult } from '../../../core/schemas/records.js'
import { JSON_UPLOAD_LIMIT, streamedTypes, uploadBatches, uploadContract } from '../../uploads.js'

const uploadQuery = z.object({ encoding: encoding.optional().describe('bit encoding of text, CSV and NDJSON bodies (default binary)') })

const routes: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser(streamedTypes, (_req, payload, done) => done(null, payload))
  app.post(
    '/:name/records',
    {
      // JSON bodies are buffered and parsed whole; bulk loads use the streamed formats.
      bodyLimit: Math.min(app.config.uploadLimit, JSON_UPLOAD_LIMIT),
      // Access is checked before the body is read: a token that may not upload here cannot make the
      // server buffer or parse a large body.
      preParsing: async (req) => {
        app.services.datasets.get(req.principal, (req.params as { name: string }).name)
        requireAdmin(req.principal)
      },
      schema: {
        tags: ['records'],
        operationId: 'uploadRecords',
        summary: 'Upload records (admin): JSON, NDJSON, text, CSV or packed octet-stream; all or nothing',
        description: 'Appends records to the dataset. A bad record (named by index and id, never by its bits) refuses the whole upload.',
        params: nameParams,
        querystring: uploadQuery,
        contract: uploadContract,
        response: { 201: loadResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { datasets } = app.services
      const dataset = datasets.get(req.principal, req.params.name)
      const counted = uploadBatches(req, dataset.bits, app.config.uploadLimit, dataset.name)
      const result = await datasets.load(req.principal, dataset.name, counted)
      return reply.code(201).send(result)
    },
  )
}

export default routes
