import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/**
 * Numbered schema migrations, keyed by `PRAGMA user_version`. Append only: a migration that has shipped is never
 * edited, a new one gets the next number. Each runs inside the same transaction as the version bump.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/** `PRAGMA application_id` of a Runboard database ("RUNB"), so another program's SQLite file is never mistaken for one. */
export const APPLICATION_ID = 0x52554e42;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, typed params, per-epoch metrics and their summaries',
    up(db) {
      db.exec(`
        CREATE TABLE experiments (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          experiment_id INTEGER NOT NULL REFERENCES experiments(id),
          name TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed','stopped','interrupted','diverged','pruned')),
          backend TEXT,
          device TEXT,
          seed INTEGER,
          config TEXT NOT NULL,
          parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          ended_at INTEGER,
          error TEXT,
          owner_host TEXT,
          owner_pid INTEGER
        );
        CREATE INDEX runs_by_experiment ON runs (experiment_id, id);
        CREATE INDEX runs_by_status ON runs (status);
        CREATE TABLE params (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          type TEXT NOT NULL CHECK (type IN ('number','string','boolean','null')),
          num_value REAL,
          text_value TEXT,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX params_by_key_number ON params (key, num_value);
        CREATE INDEX params_by_key_text ON params (key, text_value);
        -- value is NULL exactly when special names a non-finite value (SQLite stores NaN as NULL).
        -- Keyed run, step, key: one epoch's rows sit together, so committing an epoch touches one page.
        CREATE TABLE metrics (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          step INTEGER NOT NULL CHECK (step >= 1),
          value REAL,
          special TEXT CHECK (special IN ('NaN','Infinity','-Infinity')),
          wall_time INTEGER NOT NULL,
          PRIMARY KEY (run_id, step, key)
        ) WITHOUT ROWID;
        -- One row per run and metric key, kept in step by logEpoch, so the runs table never scans metrics.
        -- min and max are over finite values only.
        CREATE TABLE metric_summaries (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          last_step INTEGER NOT NULL,
          last_value REAL,
          last_special TEXT,
          min_value REAL,
          max_value REAL,
          count INTEGER NOT NULL,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
      `);
      db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?)').run('default', Date.now());
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: 'run kind (train or sanity check), outcome, and artifacts (evaluations, weight histograms)',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train' CHECK (kind IN ('train','sanity'));
        -- JSON (RunOutcome): stop reason, best epoch, frozen layers, checkpoint files, split sizes.
        ALTER TABLE runs ADD COLUMN outcome TEXT;
        CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
        -- Larger results a run leaves once: 'evaluation-val', 'evaluation-test', 'histograms' (JSON).
        CREATE TABLE run_artifacts (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          data TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    description: 'hyperparameter sweeps and their trials',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          experiment_id INTEGER NOT NULL REFERENCES experiments(id),
          strategy TEXT NOT NULL CHECK (strategy IN ('grid','random','asha')),
          -- JSON: [{name, distribution}] as written, and the options every trial shares.
          space TEXT NOT NULL,
          fixed TEXT NOT NULL,
          objective_metric TEXT NOT NULL,
          objective_direction TEXT NOT NULL CHECK (objective_direction IN ('max','min')),
          trials INTEGER NOT NULL CHECK (trials >= 1),
          seed INTEGER NOT NULL,
          parallel INTEGER NOT NULL CHECK (parallel >= 1),
          asha TEXT,
          status TEXT NOT NULL CHECK (status IN ('running','finished','stopped','interrupted','failed')),
          -- Why a failed sweep failed.
          error TEXT,
          created_at INTEGER NOT NULL,
          ended_at INTEGER,
          owner_host TEXT,
          owner_pid INTEGER
        );
        -- Every planned trial with its params, written when the sweep is created, so a resumed sweep runs
        -- exactly the trials it planned; run_id is the trial's latest run.
        CREATE TABLE sweep_trials (
          sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
          trial INTEGER NOT NULL CHECK (trial >= 1),
          params TEXT NOT NULL,
          run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          PRIMARY KEY (sweep_id, trial)
        ) WITHOUT ROWID;
        ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
        ALTER TABLE runs ADD COLUMN trial INTEGER;
        CREATE INDEX runs_by_sweep ON runs (sweep_id, trial) WHERE sweep_id IS NOT NULL;
      `);
    },
  },
  {
    version: 4,
    description: 'tags, notes, archived and deleted runs',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN notes TEXT;
        ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
        -- Deleted runs stay until purged, so a delete can be undone.
        ALTER TABLE runs ADD COLUMN deleted_at INTEGER;
        CREATE INDEX runs_by_deleted ON runs (deleted_at) WHERE deleted_at IS NOT NULL;
        CREATE TABLE tags (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX tags_by_key ON tags (key, value);
        CREATE INDEX metric_summaries_by_key ON metric_summaries (key, last_value);
      `);
    },
  },
  {
    version: 5,
    // Early builds shipped migration 3 before `sweeps.error` was part of it; their databases get the column here.
    description: 'sweeps.error on databases whose version 3 lacked it',
    up(db) {
      const columns = db.prepare("SELECT name FROM pragma_table_info('sweeps')").pluck().all() as string[];
      if (!columns.includes('error')) db.exec('ALTER TABLE sweeps ADD COLUMN error TEXT');
    },
  },
  {
    version: 6,
    description: 'external runs (logged through the MLflow API or imported), metric steps from 0, several values per step',
    up(db) {
      db.exec(`
        -- A CHECK cannot be altered: the kind column is replaced by one that also allows 'external'.
        ALTER TABLE runs ADD COLUMN kind_v6 TEXT NOT NULL DEFAULT 'train' CHECK (kind_v6 IN ('train','sanity','external'));
        UPDATE runs SET kind_v6 = kind;
        ALTER TABLE runs DROP COLUMN kind;
        ALTER TABLE runs RENAME COLUMN kind_v6 TO kind;
        -- JSON (RunSource): how an external run came (an MLflow script, an MLflow store, a TensorBoard folder).
        ALTER TABLE runs ADD COLUMN source TEXT;
        -- The run's identity in the tracker it came from ('mlflow:<run id>', 'tensorboard:<first event file>'):
        -- an import adds a run once, however often it is run.
        ALTER TABLE runs ADD COLUMN external_id TEXT;
        CREATE UNIQUE INDEX runs_by_external_id ON runs (external_id) WHERE external_id IS NOT NULL;
        -- When an external run's script last called in: one silent for too long becomes 'interrupted'.
        ALTER TABLE runs ADD COLUMN heard_at INTEGER;
        CREATE INDEX runs_by_heard_at ON runs (heard_at) WHERE heard_at IS NOT NULL AND status IN ('queued','running');
        -- MLflow counts steps from 0 and keeps every (step, timestamp) of a key: a script that logs without a step
        -- logs them all at step 0. The wall time joins the key, so a replayed batch still lands on its own rows.
        CREATE TABLE metrics_v6 (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          key TEXT NOT NULL,
          step INTEGER NOT NULL CHECK (step >= 0),
          value REAL,
          special TEXT CHECK (special IN ('NaN','Infinity','-Infinity')),
          wall_time INTEGER NOT NULL,
          PRIMARY KEY (run_id, step, key, wall_time)
        ) WITHOUT ROWID;
        INSERT INTO metrics_v6 (run_id, key, step, value, special, wall_time) SELECT run_id, key, step, value, special, wall_time FROM metrics;
        DROP TABLE metrics;
        ALTER TABLE metrics_v6 RENAME TO metrics;
        -- The wall time of each key's last value (MLflow's latest metric carries its timestamp).
        ALTER TABLE metric_summaries ADD COLUMN last_time INTEGER;
        UPDATE metric_summaries SET last_time = (
          SELECT max(m.wall_time) FROM metrics m WHERE m.run_id = metric_summaries.run_id AND m.key = metric_summaries.key AND m.step = metric_summaries.last_step
        );
      `);
    },
  },
  {
    version: 7,
    description: 'sweeps run by workers on any number of machines: trial claims with heartbeats, values reported at the rungs',
    up(db) {
      db.exec(`
        -- A sweep made with 'runboard sweep --no-local': 'runboard worker' processes run its trials, here or on other machines.
        ALTER TABLE sweeps ADD COLUMN on_workers INTEGER NOT NULL DEFAULT 0 CHECK (on_workers IN (0, 1));
        -- A worker sweep's trial is pending, claimed by one worker ('host:pid', which refreshes heartbeat_at while it
        -- trains it), or done; attempts counts its claims. NULL for the trials of a sweep its own process runs (that
        -- process keeps them in memory, and a trial's run says how it went).
        ALTER TABLE sweep_trials ADD COLUMN claim_state TEXT CHECK (claim_state IN ('pending','claimed','done'));
        ALTER TABLE sweep_trials ADD COLUMN claimed_by TEXT;
        ALTER TABLE sweep_trials ADD COLUMN claimed_at INTEGER;
        ALTER TABLE sweep_trials ADD COLUMN heartbeat_at INTEGER;
        ALTER TABLE sweep_trials ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX sweep_trials_pending ON sweep_trials (sweep_id, trial) WHERE claim_state = 'pending';
        CREATE INDEX sweep_trials_by_worker ON sweep_trials (claimed_by) WHERE claim_state = 'claimed';
        CREATE INDEX sweep_trials_by_heartbeat ON sweep_trials (heartbeat_at) WHERE claim_state = 'claimed';
        -- The objective each trial of a worker sweep reported at each rung (successive halving), in the order they
        -- were judged (id): every worker judges against the same values. value is NULL when it was not finite.
        CREATE TABLE sweep_rungs (
          id INTEGER PRIMARY KEY,
          sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
          epoch INTEGER NOT NULL CHECK (epoch >= 1),
          trial INTEGER NOT NULL CHECK (trial >= 1),
          value REAL,
          UNIQUE (sweep_id, epoch, trial)
        );
      `);
    },
  },
  {
    version: 8,
    description: 'copies between stores (runboard db copy): the store identity, where copied runs and sweeps came from, the copy lock',
    up(db) {
      db.exec(`
        -- A random identity given when the database is made: a copied run or sweep names its origin with it.
        CREATE TABLE store_identity (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          identity TEXT NOT NULL
        );
        -- '<identity of the store it was first logged in>/run/<its id there>': a copy adds a run once.
        ALTER TABLE runs ADD COLUMN copied_from TEXT;
        CREATE UNIQUE INDEX runs_by_copied_from ON runs (copied_from) WHERE copied_from IS NOT NULL;
        ALTER TABLE sweeps ADD COLUMN copied_from TEXT;
        CREATE UNIQUE INDEX sweeps_by_copied_from ON sweeps (copied_from) WHERE copied_from IS NOT NULL;
        -- The copy writing into this database, if any (its process, and a token its release names): a second copy
        -- refuses while that process lives.
        CREATE TABLE copy_lock (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          token TEXT NOT NULL,
          host TEXT NOT NULL,
          pid INTEGER NOT NULL,
          since INTEGER NOT NULL
        );
      `);
      db.prepare('INSERT INTO store_identity (id, identity) VALUES (1, ?)').run(randomUUID());
    },
  },
  {
    version: 9,
    description: "what identifies a run's or a sweep's owning process beyond its pid: its start time and the machine's boot",
    up(db) {
      db.exec(`
        -- A pid can be reused (after a reboot, or once the counter wraps): the owner is the pid with the start time
        -- of its process (clock ticks after boot) in that boot. NULL where the system does not tell (not Linux), and
        -- for rows from before: those are judged by their pid alone.
        ALTER TABLE runs ADD COLUMN owner_started INTEGER;
        ALTER TABLE runs ADD COLUMN owner_boot TEXT;
        ALTER TABLE sweeps ADD COLUMN owner_started INTEGER;
        ALTER TABLE sweeps ADD COLUMN owner_boot TEXT;
      `);
    },
  },
  {
    version: 10,
    description: 'stops asked through the store: a run or a sweep stops in whichever process trains it, on any machine',
    up(db) {
      db.exec(`
        -- Set by a Stop from any process; the host training the run reads it after each epoch.
        ALTER TABLE runs ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0 CHECK (stop_requested IN (0, 1));
        -- Set by a sweep stop for a sweep its own process runs (not on workers); that process reads it at each epoch of its trials.
        ALTER TABLE sweeps ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0 CHECK (stop_requested IN (0, 1));
      `);
    },
  },
  {
    version: 11,
    description: "TPE sweeps: the 'tpe' strategy, and the earlier runs that warm-start one",
    up(db) {
      db.exec(`
        -- A CHECK cannot be altered: the strategy column is replaced by one that also allows 'tpe'.
        ALTER TABLE sweeps ADD COLUMN strategy_v11 TEXT NOT NULL DEFAULT 'random' CHECK (strategy_v11 IN ('grid','random','asha','tpe'));
        UPDATE sweeps SET strategy_v11 = strategy;
        ALTER TABLE sweeps DROP COLUMN strategy;
        ALTER TABLE sweeps RENAME COLUMN strategy_v11 TO strategy;
        -- JSON {from, runs: [{run_id, params, value}]}: the finished runs that fed a TPE sweep's sampler before its
        -- first trial (--warm-start), kept with the sweep so that every process drawing its trials sees the same ones.
        -- A TPE trial's params are '{}' until it starts: they are drawn then, from the trials before it.
        ALTER TABLE sweeps ADD COLUMN warm_start TEXT;
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Checks the list itself: versions 1..N, in order, no gaps. A broken list is a programming error. */
export function assertMigrationsAreMonotonic(migrations: readonly Migration[] = MIGRATIONS): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`Migration ${index} has version ${migration.version}; expected ${index + 1}`);
    }
  });
}
