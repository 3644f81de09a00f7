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
]
