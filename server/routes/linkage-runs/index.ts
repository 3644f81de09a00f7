/**
 * Linkage runs: upload the other party's records in any upload format (server/uploads.ts) with the
 * run's options in the query string → 202 and Location; status, list, result (JSON shaped like
 * anonlink-entity-service's results, or CSV with Accept: text/csv), rerun, delete.
 */
import { Readable } from 'node:stream'
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { nameParams } from '../../../core/schemas/common.js'
import { errorResponses, readErrors } from '../../errors.js'
import { linkageParams, linkageQuery, linkageResult, linkageRunList, linkageRunView } from '../../../core/schemas/linkage.js'
import { linkageCsvLines } from '../../../core/linkage.js'
import { JSON_UPLOAD_LIMIT, streamedTypes, uploadBatches, uploadContract } from '../../uploads.js'

const routes: FastifyPluginAsyncZod = async (app) => {
  const { datasets, linkage } = app.services
  app.addContentTypeParser(streamedTypes, (_req, payload, done) => done(null, payload))

  app.post(
    '/:name/linkage-runs',
    {
      bodyLimit: Math.min(app.config.uploadLimit, JSON_UPLOAD_LIMIT),
      preParsing: async (req) => {
        const d = datasets.get(req.principal, (req.params as { name: string }).name)
        // a run on a dataset without a usable sketch is refused before its body is read
        linkage.checkRunnable(d, (req.query as { sketch?: string }).sketch)
      },
      schema: {
        tags: ['linkage'],
        operationId: 'createLinkageRun',
        summary: "Start a linkage run with the other party's records (free: post-processing of the sketch); 202 with Location",
        description: "Options in the query string; the body is the other party's records in any upload format. Charges no ε.",
        contract: uploadContract,
        params: nameParams,
        querystring: linkageQuery,
        response: { 202: linkageRunView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const d = datasets.get(req.principal, req.params.name)
      const { encoding: _encoding, ...options } = req.query
      const run = await linkage.create(req.principal, d, uploadBatches(req, d.bits, app.config.uploadLimit, d.name), options)
      return reply.code(202).header('Location', `/v1/datasets/${d.name}/linkage-runs/${run.id}`).send(run)
    },
  )

  app.get(
    '/:name/linkage-runs',
    {
      schema: {
        tags: ['linkage'],
        operationId: 'listLinkageRuns',
        summary: 'List linkage runs',
        description: 'Every linkage run of the dataset, newest first.',
        params: nameParams,
        response: { 200: linkageRunList, ...readErrors },
      },
    },
    async (req) => ({ runs: linkage.list(req.principal, datasets.get(req.principal, req.params.name)) }),
  )

  app.get(
    '/:name/linkage-runs/:id',
    {
      schema: {
        tags: ['linkage'],
        operationId: 'getLinkageRun',
        summary: 'Status and progress (queries compared, pairs compared, pairs/s, ETA)',
        description: 'Poll this (the Location of the 202) until status is completed or failed.',
        params: linkageParams,
        response: { 200: linkageRunView, ...readErrors },
      },
    },
    async (req) => linkage.get(req.principal, datasets.get(req.principal, req.params.name), req.params.id),
  )

  app.get(
    '/:name/linkage-runs/:id/result',
    {
      schema: {
        tags: ['linkage'],
        operationId: 'getLinkageResult',
        summary: 'Candidate pairs and, after greedy, one-to-one groups: JSON (anonlink-shaped), or CSV with Accept: text/csv',
        description: 'The result of a completed run (409 conflict while it is not completed).',
        params: linkageParams,
        contract: {
          responses: {
            200: {
              description: 'The candidate pairs (CSV: a header line, then one pair per line)',
              content: { 'text/csv': { schema: z.string().describe('query_index,query_id,record_index,record_id,score,low,high,matched lines') } },
            },
          },
        },
        response: { 200: linkageResult, ...readErrors, 409: errorResponses[409] },
      },
    },
    async (req, reply) => {
      const d = datasets.get(req.principal, req.params.name)
      const run = linkage.get(req.principal, d, req.params.id)
      const pairs = linkage.result(req.principal, d, req.params.id)
      if ((req.headers.accept ?? '').includes('text/csv')) {
        // a stream is sent as it is (Fastify serialises only objects)
        return reply.type('text/csv; charset=utf-8').send(Readable.from(linkageCsvLines(pairs)) as never)
      }
      const all = [...pairs]
      return {
        run: run.id,
        similarity: run.similarity,
        threshold: run.threshold,
        solve: run.solve,
        similarity_scores: all.map((p) => [[0, p.queryIndex], [1, p.recordIndex], p.score] as [[number, number], [number, number], number]),
        ...(run.solve === 'greedy'
          ? { groups: all.filter((p) => p.matched).map((p) => [[0, p.queryIndex], [1, p.recordIndex]] as [number, number][]) }
          : {}),
        pairs: all,
      }
    },
  )

  app.post(
    '/:name/linkage-runs/:id/rerun',
    {
      schema: {
        tags: ['linkage'],
        operationId: 'rerunLinkageRun',
        summary: 'Start a failed run again (e.g. one interrupted by a restart)',
        description: 'Only a failed run can be started again (409 conflict otherwise).',
        params: linkageParams,
        response: { 202: linkageRunView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const d = datasets.get(req.principal, req.params.name)
      const run = linkage.rerun(req.principal, d, req.params.id)
      return reply.code(202).header('Location', `/v1/datasets/${d.name}/linkage-runs/${run.id}`).send(run)
    },
  )

  app.delete(
    '/:name/linkage-runs/:id',
    {
      schema: {
        tags: ['linkage'],
        operationId: 'deleteLinkageRun',
        summary: 'Delete a run and its results',
        description: 'Deletes the run and its candidate pairs.',
        params: linkageParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      linkage.delete(req.principal, datasets.get(req.principal, req.params.name), req.params.id)
      return reply.code(204).send(null)
    },
  )
}
export default routes
