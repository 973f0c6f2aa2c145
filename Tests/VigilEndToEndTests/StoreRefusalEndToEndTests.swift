import Foundation
import GRDB
import Testing

/// The real binary given paths that are not store files, config paths that are not files, names holding escape
/// sequences, a store from a newer Vigil and a damaged store: one clear line each, sanitised, and `vigil doctor`
/// saying what is wrong and what to do.
@Suite(.serialized) struct StoreRefusalEndToEndTests {
    let scratch = Scratch()

    /// A small demo store.
    func demoStore(_ name: String, clients: Int = 30, days: Int = 20) throws -> String {
        let path = scratch.path + "/" + name
        let made = try Harness.run(["demo", "--store", path, "--clients", "\(clients)", "--days", "\(days)", "--seed", "3"])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    @Test func aFIFOOrADirectoryGivenAsTheStoreIsNamedForWhatItIs() throws {
        let fifo = scratch.path + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let stats = try Harness.run(["stats", "--store", fifo])
        #expect(stats.status == 1)
        #expect(stats.stderr.contains("\(fifo) is a FIFO, not a store file"), "\(stats.stderr)")
        #expect(!stats.stderr.contains("disk I/O error"))
        let importing = try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", scratch.path])
        #expect(importing.status != 0)
        #expect(importing.stderr.contains("\(scratch.path) is a directory, not a store file"), "\(importing.stderr)")
    }

    @Test func aConfigPathThatIsNotAFileIsNamed() throws {
        let directory = scratch.path + "/config.toml"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = try Harness.run(["config", "--config", directory])
        #expect(out.status != 0)
        #expect(out.stderr.contains("\(directory): cannot read the config: it is a directory, not a config file"), "\(out.stderr)")
        #expect(!out.stderr.contains("NSCocoaErrorDomain"))
        let fifo = scratch.path + "/config-pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let piped = try Harness.run(["config", "--config", fifo])
        #expect(piped.stderr.contains("\(fifo): cannot read the config: it is a FIFO, not a config file"), "\(piped.stderr)")
    }

    /// Escapes in a store's name, a config file's name and a TOML key come back as visible placeholders.
    @Test func escapesInEchoedPathsAndKeysAreNeutralised() throws {
        let store = scratch.path + "/x\u{1B}]0;pwned\u{07}\u{1B}[31m.sqlite"
        let stats = try Harness.run(["stats", "--store", store])
        #expect(stats.status != 0)
        #expect(stats.stderr.contains("x␛]0;pwned␇␛[31m.sqlite"), "\(stats.stderr)")
        let config = scratch.path + "/bad\u{1B}[2J.toml"
        try Data("[alerts]\n\"\\u001b[31mred\" = 1\n".utf8).write(to: URL(fileURLWithPath: config))
        let loaded = try Harness.run(["config", "--config", config])
        #expect(loaded.status != 0)
        #expect(loaded.stderr.contains("bad␛[2J.toml: unknown key 'alerts.␛[31mred'"), "\(loaded.stderr)")
        let missing = try Harness.run(["doctor", "--store", store])
        #expect(missing.stderr.contains("x␛]0;pwned␇␛[31m.sqlite"), "\(missing.stderr)")
        for output in [stats, loaded, missing] {
            #expect(!output.stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" })
        }
    }

    @Test func aNewerStoreOrAnotherApplicationsFileIsRefusedUntouched() throws {
        let store = try demoStore("newer.sqlite")
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let scan = try Harness.run(["scan", "--store", store, "--detectors", "rules"])
        #expect(scan.status == 1)
        #expect(scan.stderr.contains("\(store): made by a newer Vigil (schema v99); this is v"), "\(scan.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)

        let other = scratch.path + "/other.db"
        let foreign = try DatabaseQueue(path: other)
        try foreign.write { db in try db.execute(sql: "CREATE TABLE recipes (name TEXT)") }
        try foreign.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: other))
        let importing = try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", other])
        #expect(importing.status != 0)
        #expect(importing.stderr.contains("\(other): not a Vigil store"), "\(importing.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == bytes)
    }

    @Test func doctorPassesASoundStoreAndChangesNothing() throws {
        let store = try demoStore("sound.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let out = try Harness.run(["doctor", "--store", store])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        for line in ["file integrity: ok", "references: ok", "import ledger: ok", "audit trail: intact (0 triage events)", "no problems found"] {
            #expect(out.stdout.contains(line), "missing '\(line)' in \(out.stdout)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
        let missing = try Harness.run(["doctor", "--store", scratch.path + "/nothing.sqlite"])
        #expect(missing.status != 0)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/nothing.sqlite"))
    }

    /// A store whose index no longer matches its table reads back, its trail chains, yet it is damaged: `audit
    /// verify` must not call the trail intact, and `vigil doctor` says what is wrong and what to do.
    @Test func aDamagedStoreIsNeverCalledIntact() throws {
        let store = try demoStore("damaged.sqlite", clients: 100, days: 60)
        let scan = try Harness.run(["scan", "--store", store, "--detectors", "rules", "--seed", "7"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let decide = try Harness.run(["triage", "--store", store, "--alert", "1", "--decision", "escalate", "--analyst", "ana"])
        #expect(decide.status == 0, "\(decide.stderr)")
        let queue = try DatabaseQueue(path: store)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: """
                UPDATE sqlite_master SET sql = 'CREATE INDEX transactions_by_client_time ON transactions(merchant, instant)'
                WHERE name = 'transactions_by_client_time'
                """)
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try queue.close()

        let verify = try Harness.run(["audit", "verify", "--store", store])
        #expect(verify.status == 1)
        #expect(!verify.stdout.contains("intact"), "\(verify.stdout)")
        #expect(verify.stderr.contains("audit trail NOT VERIFIED: the store is damaged"), "\(verify.stderr)")
        #expect(verify.stderr.contains("'.recover'"))

        let doctor = try Harness.run(["doctor", "--store", store])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("file integrity: PROBLEM"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("transactions_by_client_time"))
        #expect(doctor.stdout.contains("audit trail: intact (1 triage events)"))
        #expect(doctor.stdout.contains("Only indexes are damaged"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("sqlite3 \(store) 'REINDEX'"))
    }

    /// Garbage over a table's pages: the commands that read them stop with the damage named and the way to recover,
    /// and `vigil doctor` reports every check it can make.
    @Test func garbageInAStoreIsReportedWithTheWayToRecover() throws {
        let store = try demoStore("garbage.sqlite")
        let queue = try DatabaseQueue(path: store)
        let (root, pageSize) = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'transactions'")!,
                    try Int.fetchOne(db, sql: "PRAGMA page_size")!)
        }
        try queue.close()
        let handle = try #require(FileHandle(forUpdatingAtPath: store))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()

        let stats = try Harness.run(["stats", "--store", store])
        #expect(stats.status == 1)
        #expect(stats.stderr.contains("\(store): the store is damaged"), "\(stats.stderr)")
        #expect(stats.stderr.contains("vigil doctor --store \(store)"))
        let doctor = try Harness.run(["doctor", "--store", store])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("file integrity: PROBLEM"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("sqlite3 \(store) '.recover' | sqlite3 recovered.sqlite"), "\(doctor.stdout)")
        #expect(!doctor.stdout.contains("no problems found"))
    }
}
