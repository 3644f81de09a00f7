/** The record formats dpdist reads (uploads over HTTP, `dpdist load`, linkage files): the public surface of ingest/. */
export * from './record-formats.js'
