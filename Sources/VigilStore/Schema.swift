import Foundation
import GRDB

/// The store's schema, as versioned migrations. A migration, once released, is never edited:
/// later changes append a new one.
enum Schema {
    /// Indexes on transactions that a bulk load into an empty store drops and rebuilds afterwards
    /// (building an index from sorted data is faster than growing it row by row). The store re-creates
    /// any that are missing when it opens, so a load killed midway never leaves them lost.
    static let rebuildableIndexes: [(name: String, sql: String)] = [
        ("transactions_by_client_time", "CREATE INDEX IF NOT EXISTS transactions_by_client_time ON transactions(client_id, instant)"),
    ]

    /// The unique index on row identities. Dropped only while generated data (whose keys are unique by
    /// construction) loads into an empty store; rebuilt at the end, or when the store next opens.
    static let identityIndex = (name: "transactions_by_source_hash",
                                sql: "CREATE UNIQUE INDEX IF NOT EXISTS transactions_by_source_hash ON transactions(source_hash)")

    static func ensureIndexes(_ db: Database) throws {
        try db.execute(sql: identityIndex.sql)
        for index in rebuildableIndexes { try db.execute(sql: index.sql) }
    }

    /// Builds the missing indexes the way a bulk load wants them built. SQLite sorts an index's keys in
    /// memory runs as large as the page cache, then merges them; small runs stay in the CPU's caches and
    /// sort faster, and helper threads sort runs while the main thread merges (more helpers than cores, since
    /// a helper is often blocked on the runs' files).
    /// Restores the connection's cache size and thread count afterwards.
    static func buildIndexesForBulkLoad(_ db: Database) throws {
        let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        let threads = try Int.fetchOne(db, sql: "PRAGMA threads") ?? 0
        let helpers = min(4, ProcessInfo.processInfo.activeProcessorCount + 1)
        try db.execute(sql: "PRAGMA cache_size = -1024; PRAGMA threads = \(helpers)")
        defer { try? db.execute(sql: "PRAGMA cache_size = \(cache); PRAGMA threads = \(threads)") }
        try ensureIndexes(db)
    }

    /// Transactions whose client or import is not stored, counted without checking every row against its
    /// parents one by one, which is what `pragma_foreign_key_check` does and is slower.
    /// Reads the distinct clients through the client+time index, so call it once that index exists.
    static func orphanedTransactions(_ db: Database) throws -> Int {
        let missingClients = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM (SELECT DISTINCT client_id FROM transactions) AS t
            WHERE NOT EXISTS (SELECT 1 FROM clients AS c WHERE c.id = t.client_id)
            """) ?? 0
        let missingImports = try Int.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM transactions WHERE import_id NOT IN (SELECT id FROM imports))
            """) ?? 0
        guard missingClients > 0 || missingImports > 0 else { return 0 }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pragma_foreign_key_check('transactions')") ?? 0
    }

    /// The schema version this binary makes: the number of its newest migration ("v11-…" is 11).
    static let version = migrator.migrations.compactMap(version(of:)).max() ?? 0

    /// The version a migration's name gives ("v12-application-id" is 12), nil for a name not of that form.
    static func version(of migration: String) -> Int? {
        guard migration.hasPrefix("v"), let digits = migration.dropFirst().split(separator: "-").first else { return nil }
        return Int(digits)
    }

    /// The migrations by name, for recognising a store's schema; running one that needs the store's key fails.
    static var migrator: DatabaseMigrator { migrator(key: nil) }

    /// The migrations, with the store's key for those that need it (turning card numbers into tokens).
    static func migrator(key: StoreKey?) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE imports (
                    id INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    file_name TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    file_size INTEGER NOT NULL,
                    layout TEXT NOT NULL,
                    mapping TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    rows_read INTEGER NOT NULL DEFAULT 0,
                    rows_imported INTEGER NOT NULL DEFAULT 0,
                    rows_rejected INTEGER NOT NULL DEFAULT 0,
                    rows_duplicate INTEGER NOT NULL DEFAULT 0,
                    CHECK (rows_read = rows_imported + rows_rejected + rows_duplicate)
                );
                CREATE INDEX imports_by_hash ON imports(content_hash);

                CREATE TABLE clients (
                    id TEXT PRIMARY KEY NOT NULL,
                    home_lat REAL,
                    home_lon REAL,
                    first_instant INTEGER NOT NULL,
                    last_instant INTEGER NOT NULL,
                    transaction_count INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;

                CREATE TABLE transactions (
                    id INTEGER PRIMARY KEY,
                    import_id INTEGER NOT NULL REFERENCES imports(id),
                    source_key TEXT NOT NULL,
                    -- 64-bit FNV-1a of source_key: a compact unique index keeps bulk loads fast; the writer
                    -- compares the full key on a hash match, so a collision is reported, never merged.
                    source_hash INTEGER NOT NULL,
                    client_id TEXT NOT NULL REFERENCES clients(id),
                    instant INTEGER NOT NULL,
                    original_time TEXT NOT NULL,
                    amount_minor INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    merchant TEXT NOT NULL,
                    category TEXT NOT NULL,
                    city TEXT,
                    state TEXT,
                    country TEXT,
                    home_lat REAL,
                    home_lon REAL,
                    merch_lat REAL,
                    merch_lon REAL,
                    channel TEXT CHECK (channel IN ('card_present', 'online', 'atm')),
                    label INTEGER CHECK (label IN (0, 1)),
                    label_kind TEXT
                );
                CREATE UNIQUE INDEX transactions_by_source_hash ON transactions(source_hash);
                CREATE INDEX transactions_by_client_time ON transactions(client_id, instant);
                CREATE INDEX transactions_by_time ON transactions(instant);

                CREATE TABLE rejected_rows (
                    id INTEGER PRIMARY KEY,
                    import_id INTEGER NOT NULL REFERENCES imports(id),
                    line INTEGER NOT NULL,
                    column_name TEXT,
                    value TEXT,
                    reason TEXT NOT NULL,
                    raw TEXT NOT NULL
                );
                CREATE INDEX rejected_rows_by_import ON rejected_rows(import_id, line);

                CREATE TABLE detector_runs (
                    id INTEGER PRIMARY KEY,
                    detector TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    seed INTEGER,
                    status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'cancelled')),
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    transactions_scored INTEGER NOT NULL DEFAULT 0,
                    flagged INTEGER NOT NULL DEFAULT 0,
                    timings TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX detector_runs_by_detector ON detector_runs(detector, started_at);

                CREATE TABLE scores (
                    run_id INTEGER NOT NULL REFERENCES detector_runs(id) ON DELETE CASCADE,
                    transaction_id INTEGER NOT NULL REFERENCES transactions(id),
                    score REAL NOT NULL,
                    reasons TEXT,
                    PRIMARY KEY (run_id, transaction_id)
                ) WITHOUT ROWID;
                CREATE INDEX scores_by_transaction ON scores(transaction_id);

                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY,
                    transaction_id INTEGER NOT NULL UNIQUE REFERENCES transactions(id),
                    score REAL NOT NULL,
                    reasons TEXT NOT NULL DEFAULT '[]',
                    status TEXT NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'confirmed_fraud', 'false_positive', 'escalated', 'needs_info')),
                    assignee TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX alerts_by_score ON alerts(score DESC);
                CREATE INDEX alerts_by_status_score ON alerts(status, score DESC);

                CREATE TABLE triage_events (
                    id INTEGER PRIMARY KEY,
                    alert_id INTEGER NOT NULL REFERENCES alerts(id),
                    at INTEGER NOT NULL,
                    analyst TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_status TEXT,
                    to_status TEXT,
                    note TEXT,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE
                );
                CREATE INDEX triage_events_by_alert ON triage_events(alert_id, id);
                CREATE TRIGGER triage_events_no_update BEFORE UPDATE ON triage_events
                    BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
                CREATE TRIGGER triage_events_no_delete BEFORE DELETE ON triage_events
                    BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
                """)
        }
        migrator.registerMigration("v2-client-profiles") { db in
            // One behaviour profile per client as JSON (VigilDetect's ClientProfile), as of its `as_of` instant.
            try db.execute(sql: """
                CREATE TABLE client_profiles (
                    client_id TEXT PRIMARY KEY REFERENCES clients(id),
                    as_of INTEGER NOT NULL,
                    transactions INTEGER NOT NULL,
                    profile TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-score-blocks") { db in
            // A model's or the ensemble's score for every transaction, in blocks of up to 65,536 ascending ids:
            // `ids` holds little-endian Int64 transaction ids, `scores` little-endian Float64 scores in the same
            // order. Written as rows of `scores`, a dense run cost 2.3 µs a transaction (the row, its key and the
            // by-transaction index); as blocks, a few nanoseconds. Rules, which score few transactions and give
            // a reason for each, keep writing rows of `scores`.
            try db.execute(sql: """
                CREATE TABLE score_blocks (
                    run_id INTEGER NOT NULL REFERENCES detector_runs(id) ON DELETE CASCADE,
                    first_id INTEGER NOT NULL,
                    count INTEGER NOT NULL CHECK (count > 0),
                    ids BLOB NOT NULL CHECK (length(ids) = 8 * count),
                    scores BLOB NOT NULL CHECK (length(scores) = 8 * count),
                    PRIMARY KEY (run_id, first_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-no-scores-by-transaction") { db in
            // Each run's rows went into this index spread over every earlier run's, so writing a rule's run cost
            // more the more runs the store held (100,000 hits: 0.5 s on a new store, 1.8 s after eight scans).
            // A transaction's scores are looked up in the runs that matter, by the (run, transaction) key.
            try db.execute(sql: "DROP INDEX IF EXISTS scores_by_transaction")
        }
        migrator.registerMigration("v5-alert-versions") { db in
            // Every change to an alert (a scan's rescore, a decision, a note, an undo) bumps its version. A decision is
            // made against the version the analyst saw, so one made on an alert that another analyst (or a scan)
            // changed since is refused instead of overwriting what they did.
            try db.execute(sql: "ALTER TABLE alerts ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
        }
        migrator.registerMigration("v6-alert-sort-columns") { db in
            // The queue sorts and filters alerts by their transaction's time, client, amount, merchant and category.
            // A copy of those (immutable) columns in the alert row spares a join to the transactions, which cost a
            // random table read per alert: re-sorting 108,080 alerts by time took 350 ms joined, 45 ms like this.
            try db.execute(sql: """
                ALTER TABLE alerts ADD COLUMN instant INTEGER;
                ALTER TABLE alerts ADD COLUMN client_id TEXT;
                ALTER TABLE alerts ADD COLUMN amount_minor INTEGER;
                ALTER TABLE alerts ADD COLUMN merchant TEXT;
                ALTER TABLE alerts ADD COLUMN category TEXT;
                UPDATE alerts SET (instant, client_id, amount_minor, merchant, category) =
                    (SELECT t.instant, t.client_id, t.amount_minor, t.merchant, t.category FROM transactions t
                     WHERE t.id = alerts.transaction_id);
                """)
        }
        migrator.registerMigration("v7-sequence-models") { db in
            // A trained sequence model (the LSTM): its parameters as VigilDetect's versioned binary, the encoder that
            // turns transactions into its inputs (vocabulary included) and its training figures as JSON. Scans and
            // live scoring reuse the newest one until it is retrained.
            try db.execute(sql: """
                CREATE TABLE sequence_models (
                    id INTEGER PRIMARY KEY,
                    detector TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    transactions_trained INTEGER NOT NULL,
                    encoder TEXT NOT NULL,
                    training TEXT NOT NULL,
                    report TEXT NOT NULL,
                    parameters BLOB NOT NULL
                );
                CREATE INDEX sequence_models_by_detector ON sequence_models(detector, id);
                """)
        }
        migrator.registerMigration("v8-live-scoring") { db in
            // The detectors a scan fitted (Isolation Forest's trees, LOF's reference rows, each model's score scale,
            // the population prior), kept so that later scans and live scoring score with them unchanged; each
            // part is VigilDetect's binary or JSON, under a name. `live_scores` holds what live scoring gave each
            // transaction it scored; `live_cursor` the highest transaction id scored, by a scan or live, so each
            // arriving transaction is scored exactly once; `live_scorers` the processes scoring now, with their
            // heartbeat and arrival rate, for the workbench's live indicator.
            try db.execute(sql: """
                CREATE TABLE fitted_models (
                    id INTEGER PRIMARY KEY,
                    created_at INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL,
                    through_transaction INTEGER NOT NULL,
                    prior TEXT NOT NULL,
                    currency TEXT NOT NULL
                );
                CREATE TABLE fitted_parts (
                    fitted_id INTEGER NOT NULL REFERENCES fitted_models(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (fitted_id, name)
                );
                CREATE TABLE live_scores (
                    transaction_id INTEGER PRIMARY KEY REFERENCES transactions(id),
                    fitted_id INTEGER NOT NULL,
                    score REAL NOT NULL,
                    detectors TEXT NOT NULL,
                    scored_at REAL NOT NULL
                );
                CREATE TABLE live_cursor (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    scored_through INTEGER NOT NULL
                );
                CREATE TABLE live_scorers (
                    pid INTEGER PRIMARY KEY,
                    started_at REAL NOT NULL,
                    heartbeat_at REAL NOT NULL,
                    scored INTEGER NOT NULL DEFAULT 0,
                    rate REAL NOT NULL DEFAULT 0
                );
                """)
        }
        migrator.registerMigration("v9-audit-head") { db in
            // The trail's head: how many events it holds and the last one's hash, updated with every event in the
            // same transaction. The hash chain shows an event edited, removed or moved within the trail; the head
            // shows events removed from its end, which leave a shorter chain that is intact in itself.
            try db.execute(sql: """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    events INTEGER NOT NULL,
                    last_id INTEGER NOT NULL,
                    last_hash TEXT NOT NULL
                );
                INSERT INTO audit_head (id, events, last_id, last_hash)
                    SELECT 1, (SELECT COUNT(*) FROM triage_events), coalesce((SELECT max(id) FROM triage_events), 0),
                           coalesce((SELECT hash FROM triage_events ORDER BY id DESC LIMIT 1), '\(String(repeating: "0", count: 64))');
                """)
        }
        migrator.registerMigration("v10-no-time-index") { db in
            // The index on transactions by time alone served one query, the store's first and last instant, which
            // `Store.stats` now takes in the scan it makes anyway. It cost 1.7 s of a 6.7 M-row import's 18 s (an
            // index build is a scan of the table and a sort of its keys) and an index entry for every live arrival.
            try db.execute(sql: "DROP INDEX IF EXISTS transactions_by_time")
        }
        migrator.registerMigration("v11-alerts-by-instant") { db in
            // Live scoring counts the alerts of each arriving transaction's day against the daily budget, once per
            // day per batch. Without this index that count read the whole alerts table, reasons and all: 72,600
            // alerts took a fifth of the live path's time. Alerts are few, so the index costs little to keep.
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS alerts_by_instant ON alerts(instant)")
        }
        migrator.registerMigration("v12-alerts-ids-for-life") { db in
            // A scan deletes the untouched open alerts it no longer raises, and SQLite gave a new alert the highest id
            // plus one: a withdrawn alert's id went to another transaction, so an id from an earlier listing
            // decided another case. `alert_ids` keeps every id ever given with its transaction, append-only: a
            // withdrawn alert reopens under its id, a new one takes an id above all of them (`Store.openAlertSQL`),
            // and the triggers refuse any write that would give an id to a second transaction or a transaction a
            // second id. `version` is the version a withdrawn alert had, so that reopening it moves its version on.
            try db.execute(sql: """
                CREATE TABLE alert_ids (
                    id INTEGER PRIMARY KEY,
                    transaction_id INTEGER NOT NULL UNIQUE,
                    version INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO alert_ids (id, transaction_id, version) SELECT id, transaction_id, version FROM alerts;
                CREATE TRIGGER alert_ids_no_delete BEFORE DELETE ON alert_ids
                    BEGIN SELECT RAISE(ABORT, 'alert ids are given for life'); END;
                CREATE TRIGGER alert_ids_no_move BEFORE UPDATE OF id, transaction_id ON alert_ids
                    BEGIN SELECT RAISE(ABORT, 'alert ids are given for life'); END;
                CREATE TRIGGER alerts_register_id AFTER INSERT ON alerts BEGIN
                    INSERT INTO alert_ids (id, transaction_id) SELECT NEW.id, NEW.transaction_id
                        WHERE NOT EXISTS (SELECT 1 FROM alert_ids WHERE id = NEW.id OR transaction_id = NEW.transaction_id);
                    SELECT RAISE(ABORT, 'an alert id names one transaction for life')
                        WHERE NOT EXISTS (SELECT 1 FROM alert_ids WHERE id = NEW.id AND transaction_id = NEW.transaction_id);
                END;
                CREATE TRIGGER alerts_keep_id BEFORE UPDATE OF id, transaction_id ON alerts
                    WHEN NEW.id IS NOT OLD.id OR NEW.transaction_id IS NOT OLD.transaction_id
                    BEGIN SELECT RAISE(ABORT, 'an alert id names one transaction for life'); END;
                CREATE TRIGGER alerts_withdrawn AFTER DELETE ON alerts
                    BEGIN UPDATE alert_ids SET version = OLD.version WHERE id = OLD.id; END;
                """)
        }
        migrator.registerMigration("v13-outcomes") { db in
            // Outcomes learnt after the fact from a feed (chargebacks, customer-confirmed fraud), each with the
            // instant it became known: detectors that learn from outcomes read only those known before a
            // transaction's own instant. Triage decisions are outcomes too, read from the audit trail, not copied.
            // One row per (transaction, outcome, instant, source): importing a feed twice adds nothing.
            try db.execute(sql: """
                CREATE TABLE outcomes (
                    id INTEGER PRIMARY KEY,
                    transaction_id INTEGER NOT NULL REFERENCES transactions(id),
                    outcome TEXT NOT NULL CHECK (outcome IN ('fraud', 'genuine')),
                    known_at INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    import_id INTEGER REFERENCES imports(id),
                    line INTEGER,
                    UNIQUE (transaction_id, outcome, known_at, source)
                );
                CREATE INDEX outcomes_by_known_at ON outcomes(known_at);
                """)
        }
        migrator.registerMigration("v14-cases") { db in
            // Cases: an analyst works a card's spree, not its alerts one by one. Each alert belongs to at most one
            // case (`alerts.case_id`, set by `Store.refreshCases`; a withdrawn alert's row goes, and with it its
            // place in the case). A case's status is not stored: it is decided when none of its alerts is open,
            // snoozed while `snoozed_until` is ahead, else open, so per-alert decisions and undo can never leave it
            // stale. `version` moves on with every change to the case or to its alerts' statuses.
            // Case events join the one audit chain: `triage_events` is rebuilt with `alert_id` nullable (a case's own
            // event, such as an assignment, names no alert) and a `case_id`; old events keep their ids and hashes.
            try db.execute(sql: """
                CREATE TABLE cases (
                    id INTEGER PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    assignee TEXT,
                    snoozed_until INTEGER,
                    due_at INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX cases_by_client ON cases(client_id, id);
                ALTER TABLE alerts ADD COLUMN case_id INTEGER REFERENCES cases(id);
                -- Holds every column a case's figures need, so that listing cases reads the index alone.
                CREATE INDEX alerts_by_case ON alerts(case_id, status, score, amount_minor, instant, transaction_id);

                CREATE TABLE triage_events_v14 (
                    id INTEGER PRIMARY KEY,
                    alert_id INTEGER REFERENCES alerts(id),
                    case_id INTEGER REFERENCES cases(id),
                    at INTEGER NOT NULL,
                    analyst TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_status TEXT,
                    to_status TEXT,
                    note TEXT,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    CHECK (alert_id IS NOT NULL OR case_id IS NOT NULL)
                );
                INSERT INTO triage_events_v14 (id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash)
                    SELECT id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash
                    FROM triage_events ORDER BY id;
                DROP TABLE triage_events;
                ALTER TABLE triage_events_v14 RENAME TO triage_events;
                CREATE INDEX triage_events_by_alert ON triage_events(alert_id, id);
                CREATE INDEX triage_events_by_case ON triage_events(case_id, id);
                CREATE TRIGGER triage_events_no_update BEFORE UPDATE ON triage_events
                    BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
                CREATE TRIGGER triage_events_no_delete BEFORE DELETE ON triage_events
                    BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
                """)
        }
        migrator.registerMigration("v15-lists") { db in
            // Suppressions and allow and deny lists (docs/lists.md). Each add, removal and change of expiry is an audit
            // event in the one hash chain, and such an event names no alert: `triage_events.alert_id` becomes nullable.
            try ListSchema.allowEventsWithoutAlert(db)
            try db.execute(sql: """
                CREATE TABLE list_entries (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('suppress', 'allow', 'deny')),
                    target TEXT NOT NULL CHECK (target IN ('card', 'merchant')),
                    value TEXT NOT NULL CHECK (length(value) > 0),
                    detector TEXT,
                    from_instant INTEGER NOT NULL,
                    until_instant INTEGER,
                    note TEXT NOT NULL,
                    added_by TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    removed_at INTEGER,
                    removed_by TEXT,
                    import_id INTEGER REFERENCES imports(id),
                    line INTEGER,
                    CHECK ((kind = 'suppress') = (detector IS NOT NULL)),
                    CHECK (kind != 'suppress' OR (target = 'card' AND until_instant IS NOT NULL)),
                    CHECK (until_instant IS NULL OR until_instant > from_instant)
                );
                CREATE INDEX list_entries_by_value ON list_entries(target, value);
                """)
        }
        migrator.registerMigration("v16-case-figures") { db in
            // The figures the case queue orders and filters by, kept on the case by triggers in the same transaction as
            // every change to its alerts, so that the queue reads one row per case (not every alert) and `n` takes the
            // next case from an index instead of grouping every alert. `alert_count` 0 is a case with no alert left.
            // Placing an alert in its first case (`case_id` from NULL) is `Store.refreshCases`'s alone, which counts
            // its cases once at the end: per alert, triggers made placing 109,500 alerts five times slower.
            try db.execute(sql: """
                ALTER TABLE cases ADD COLUMN alert_count INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE cases ADD COLUMN open_alerts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE cases ADD COLUMN top_score REAL NOT NULL DEFAULT 0;
                UPDATE cases SET (alert_count, open_alerts, top_score) = (
                    SELECT count(*), coalesce(sum(status = 'open'), 0), coalesce(max(score), 0)
                    FROM alerts INDEXED BY alerts_by_case WHERE case_id = cases.id);
                -- The cases `n` can take, highest alert first (a snoozed one is skipped as the index is walked).
                CREATE INDEX cases_claimable ON cases(top_score DESC, id) WHERE assignee IS NULL AND open_alerts > 0;
                CREATE TRIGGER alerts_case_figures_insert AFTER INSERT ON alerts WHEN NEW.case_id IS NOT NULL BEGIN
                    UPDATE cases SET alert_count = alert_count + 1, open_alerts = open_alerts + (NEW.status = 'open'),
                        top_score = max(top_score, NEW.score) WHERE id = NEW.case_id;
                END;
                CREATE TRIGGER alerts_case_figures_delete AFTER DELETE ON alerts WHEN OLD.case_id IS NOT NULL BEGIN
                    UPDATE cases SET alert_count = alert_count - 1, open_alerts = open_alerts - (OLD.status = 'open'),
                        top_score = coalesce((SELECT max(score) FROM alerts INDEXED BY alerts_by_case WHERE case_id = OLD.case_id), 0)
                    WHERE id = OLD.case_id;
                END;
                -- The alert leaves its old case's figures and joins its new case's (the same case for a decision or a
                -- rescore); the old case's top score is read again only when the alert may have held it.
                CREATE TRIGGER alerts_case_figures_update AFTER UPDATE OF case_id, status, score ON alerts
                    WHEN OLD.case_id IS NOT NULL BEGIN
                    UPDATE cases SET alert_count = alert_count - 1, open_alerts = open_alerts - (OLD.status = 'open'),
                        top_score = CASE WHEN OLD.score >= top_score
                            THEN coalesce((SELECT max(score) FROM alerts INDEXED BY alerts_by_case WHERE case_id = OLD.case_id), 0)
                            ELSE top_score END
                    WHERE id = OLD.case_id;
                    UPDATE cases SET alert_count = alert_count + 1, open_alerts = open_alerts + (NEW.status = 'open'),
                        top_score = max(top_score, NEW.score) WHERE id = NEW.case_id;
                END;

                -- What the case queue's search finds a case by, besides its own columns: the merchants of its alerts
                -- (this index) and the detectors that gave its alerts' reasons (this table; the spree, which only
                -- says that the alerts came together, is left out). A detector stays listed once an alert gave it.
                CREATE INDEX alerts_by_merchant ON alerts(merchant, case_id);
                CREATE TABLE case_detectors (
                    detector TEXT NOT NULL,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    PRIMARY KEY (detector, case_id)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO case_detectors (detector, case_id)
                    SELECT json_extract(r.value, '$.detector'), a.case_id FROM alerts a, json_each(a.reasons) r
                    WHERE a.case_id IS NOT NULL AND json_extract(r.value, '$.detector') IS NOT 'spree';
                CREATE TRIGGER alerts_case_detectors AFTER UPDATE OF case_id, reasons ON alerts
                    WHEN OLD.case_id IS NOT NULL AND NEW.case_id IS NOT NULL BEGIN
                    INSERT OR IGNORE INTO case_detectors (detector, case_id)
                        SELECT json_extract(r.value, '$.detector'), NEW.case_id FROM json_each(NEW.reasons) r
                        WHERE json_extract(r.value, '$.detector') IS NOT 'spree';
                END;
                """)
        }
        migrator.registerMigration("v17-store-key") { db in
            // What the store says about itself that is not data: the check values of its key (never the key), and
            // whether it keeps card numbers in clear (`--keep-pan`).
            try db.execute(sql: "CREATE TABLE store_settings (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration(CardMigration.identifier) { db in
            // Card numbers become tokens and masked ids (Keys/CardMigration.swift).
            try CardMigration.convert(db, key: key)
        }
        migrator.registerMigration("v19-who-decided") { db in
            // Who decided (docs/audit.md): each event records the operating-system user and host that made it, and a
            // seal (HMAC-SHA-256 under the store's audit key) of its hash; the head is sealed too. The store's
            // analysts list ties a name to an operating-system user. Events already there are sealed only when
            // their chain is intact: a broken trail stays broken, and `vigil audit verify` names where.
            let key = try key ?? { throw StoreKeyError.missing(file: "the store's key file", store: "the store",
                                                               needed: "sealing its audit trail (upgrading it)") }()
            try db.execute(sql: """
                ALTER TABLE triage_events ADD COLUMN os_user TEXT;
                ALTER TABLE triage_events ADD COLUMN host TEXT;
                ALTER TABLE triage_events ADD COLUMN seal TEXT;
                ALTER TABLE audit_head ADD COLUMN seal TEXT;
                CREATE TABLE analysts (
                    name TEXT PRIMARY KEY NOT NULL,
                    os_user TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('analyst', 'reviewer')),
                    added_at INTEGER NOT NULL,
                    added_by TEXT NOT NULL
                );
                """)
            switch try Store.verifyTrail(db, key: nil) {
            case .sealsUnchecked: try Store.resealAll(db, key: key)
            case .broken(let eventID, _): try Store.sealStored(db, key: key, before: eventID)
            case .intact, .damaged: break
            }
        }
        return migrator
    }
}
