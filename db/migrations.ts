/**
 * Numbered schema migrations, applied in order on start inside one transaction each.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        bits INTEGER NOT NULL CHECK (bits > 0),
        unit_bits INTEGER NOT NULL CHECK (unit_bits > 0),
        budget_micro INTEGER NOT NULL CHECK (budget_micro >= 0),
        spent_micro INTEGER NOT NULL DEFAULT 0 CHECK (spent_micro >= 0),
        retain_raw INTEGER NOT NULL CHECK (retain_raw IN (0, 1)),
        metrics TEXT NOT NULL,
        -- records with ordinal < record_count are committed; higher ordinals belong to an upload in progress
        record_count INTEGER NOT NULL DEFAULT 0,
        raw_deleted INTEGER NOT NULL DEFAULT 0 CHECK (raw_deleted IN (0, 1)),
        created_at TEXT NOT NULL,
        CHECK (spent_micro <= budget_micro)
      );

      CREATE TABLE records (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        id TEXT NOT NULL,
        bits BLOB,
        PRIMARY KEY (dataset_id, ordinal),
        UNIQUE (dataset_id, id)
      );

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'analyst')),
        datasets TEXT,
        label TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );

      -- Append-only: rows are inserted by the accountant and never updated or deleted
      -- (deleting a dataset keeps its ledger, with dataset_name for the record).
      CREATE TABLE ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        dataset_id INTEGER,
        dataset_name TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('sketch', 'query', 'budget')),
        epsilon_micro INTEGER NOT NULL,
        token_id TEXT,
        details TEXT NOT NULL
      );
      CREATE INDEX ledger_dataset ON ledger(dataset_id, id);
      CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;
      CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the privacy ledger is append-only'); END;

      CREATE TABLE sketches (
        id TEXT PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        metric TEXT NOT NULL,
        mechanism TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'building', 'ready', 'failed')),
        epsilon_micro INTEGER NOT NULL,
        plan TEXT NOT NULL,
        p_tilde REAL NOT NULL,
        calibration TEXT,
        record_count INTEGER NOT NULL,
        progress INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        ledger_id INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        ready_at TEXT
      );
      CREATE INDEX sketches_dataset ON sketches(dataset_id);

      -- The noisy sketch, in chunks of consecutive records (record ordinals first_ordinal ..).
      CREATE TABLE sketch_chunks (
        sketch_id TEXT NOT NULL REFERENCES sketches(id) ON DELETE CASCADE,
        chunk INTEGER NOT NULL,
        first_ordinal INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (sketch_id, chunk)
      );

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'uploads and build owners, so that start-up recovery spares live processes',
    sql: `
      -- One row per upload in progress (at most one per dataset). Start-up recovery removes the
      -- pending records of an upload only when its owner process is gone.
      CREATE TABLE uploads (
        dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
        owner_pid INTEGER NOT NULL,
        started_at TEXT NOT NULL
      );
      ALTER TABLE sketches ADD COLUMN owner_pid INTEGER;
    `,
  },
  {
    version: 3,
    name: 'dataset identity: ids are never reused, a generation per dataset, tombstones, token scopes by id',
    sql: `
      -- Every write that changes what a cache of the dataset holds (records committed, raw bits
      -- deleted, a sketch ready) adds one, so a process can tell whether its cache is still current.
      ALTER TABLE datasets ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

      -- One row per deleted dataset, written in the transaction that deletes it and never changed:
      -- the audit trail of its identity (its ledger rows keep its id), and the reason an id is
      -- never handed out again (a new dataset gets one more than the largest id in either table).
      CREATE TABLE deleted_datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        budget_micro INTEGER,
        spent_micro INTEGER,
        created_at TEXT,
        deleted_at TEXT
      );
      CREATE INDEX deleted_datasets_name ON deleted_datasets(name, id);
      CREATE TRIGGER deleted_datasets_no_update BEFORE UPDATE ON deleted_datasets
        BEGIN SELECT RAISE(ABORT, 'deleted datasets are an append-only record'); END;
      CREATE TRIGGER deleted_datasets_no_delete BEFORE DELETE ON deleted_datasets
        BEGIN SELECT RAISE(ABORT, 'deleted datasets are an append-only record'); END;
      -- datasets deleted before this migration left only their ledger rows
      INSERT INTO deleted_datasets (id, name)
        SELECT dataset_id, MAX(dataset_name) FROM ledger
        WHERE dataset_id IS NOT NULL AND dataset_id NOT IN (SELECT id FROM datasets)
        GROUP BY dataset_id;

      -- Analyst scopes name dataset ids, not names: a token for a deleted dataset does not open a
      -- new dataset of the same name. tokens.scoped = 1: the token may use only its scope rows (no
      -- foreign key: the rows of a deleted dataset stay, and grant nothing, as its id is never reused).
      ALTER TABLE tokens ADD COLUMN scoped INTEGER NOT NULL DEFAULT 0 CHECK (scoped IN (0, 1));
      CREATE TABLE token_scopes (
        token_id TEXT NOT NULL REFERENCES tokens(id),
        dataset_id INTEGER NOT NULL,
        PRIMARY KEY (token_id, dataset_id)
      ) WITHOUT ROWID;
      CREATE INDEX token_scopes_dataset ON token_scopes(dataset_id);
      INSERT INTO token_scopes (token_id, dataset_id)
        SELECT DISTINCT t.id, d.id FROM tokens t, json_each(t.datasets) j JOIN datasets d ON d.name = j.value
        WHERE t.datasets IS NOT NULL AND t.role = 'analyst';
      UPDATE tokens SET scoped = 1 WHERE datasets IS NOT NULL AND role = 'analyst';
      ALTER TABLE tokens DROP COLUMN datasets;
    `,
  },
  {
    version: 4,
    name: 'per-token ε quotas on a dataset',
    sql: `
      -- quota_micro NULL: no quota (the dataset budget alone limits the token). spent_micro: what the
      -- token was charged on the dataset, debited in the same transaction as the dataset's spent.
      ALTER TABLE token_scopes ADD COLUMN quota_micro INTEGER CHECK (quota_micro IS NULL OR quota_micro > 0);
      ALTER TABLE token_scopes ADD COLUMN spent_micro INTEGER NOT NULL DEFAULT 0
        CHECK (spent_micro >= 0 AND (quota_micro IS NULL OR spent_micro <= quota_micro));
    `,
  },
  {
    version: 5,
    name: 'owners by instance id, not PID',
    sql: `
      -- The instance (db/instance.ts) that owns an upload or a build: a random id per process, whose
      -- liveness is a lock the process holds. owner_pid stays for rows written before this version.
      ALTER TABLE uploads ADD COLUMN owner_instance TEXT;
      ALTER TABLE sketches ADD COLUMN owner_instance TEXT;
    `,
  },
  {
    version: 6,
    name: 'dataset deletions in chunks',
    sql: `
      -- A dataset being deleted: gone for every reader at once (its name is freed, it is listed and
      -- found by name no more), while its records and sketches are removed in short transactions.
      -- The row goes with the dataset row (the last step). owner_instance: who runs the deletion; when
      -- that instance is gone, the next process to look finishes it.
      CREATE TABLE dataset_deletions (
        dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        owner_instance TEXT,
        started_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'private popcounts released with a Hamming sketch',
    sql: `
      -- NULL: the sketch released no popcounts. Otherwise the ε charged for them (in the sketch's
      -- debit) and one little-endian int32 per record: popcount plus discrete Laplace noise.
      ALTER TABLE sketches ADD COLUMN popcount_epsilon_micro INTEGER;
      ALTER TABLE sketches ADD COLUMN popcounts BLOB;
    `,
  },
  {
    version: 8,
    name: 'linkage runs',
    sql: `
      CREATE TABLE linkage_runs (
        id TEXT PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        sketch_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        options TEXT NOT NULL,
        query_count INTEGER NOT NULL,
        -- 1 once every query of the upload is stored (a run interrupted during its upload is never run)
        uploaded INTEGER NOT NULL DEFAULT 0,
        progress INTEGER NOT NULL DEFAULT 0,
        pairs_compared INTEGER NOT NULL DEFAULT 0,
        candidates INTEGER NOT NULL DEFAULT 0,
        matches INTEGER,
        error TEXT,
        owner_pid INTEGER,
        owner_instance TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX linkage_runs_dataset ON linkage_runs(dataset_id);
      -- The other party's records of a run (bits are cleared when the run completes).
      CREATE TABLE linkage_queries (
        run_id TEXT NOT NULL REFERENCES linkage_runs(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        id TEXT NOT NULL,
        bits BLOB,
        PRIMARY KEY (run_id, ordinal)
      );
      CREATE TABLE linkage_pairs (
        run_id TEXT NOT NULL REFERENCES linkage_runs(id) ON DELETE CASCADE,
        query_ordinal INTEGER NOT NULL,
        record_ordinal INTEGER NOT NULL,
        score REAL NOT NULL,
        low REAL NOT NULL,
        high REAL NOT NULL,
        matched INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, query_ordinal, record_ordinal)
      );
      CREATE INDEX linkage_pairs_score ON linkage_pairs(run_id, score DESC);
    `,
  },
]
