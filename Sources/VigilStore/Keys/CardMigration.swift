import Foundation
import GRDB
import VigilCore

/// `v18-card-tokens`: a store made before card numbers were tokenised keeps them in clear as client ids, in the
/// card-number parts of source ids, in rejected rows as they were read, and wherever an analyst or a list named a card.
/// The migration gives every such card its token and masked id (`CardTokenizer`), rewrites each of those places,
/// reseals the audit trail whose events it rewrote, and overwrites what it replaced (`secure_delete`), so that no
/// full number is left in the file's bytes.
enum CardMigration {
    static let identifier = "v18-card-tokens"

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE cards (
                token BLOB PRIMARY KEY NOT NULL,
                client_id TEXT NOT NULL UNIQUE
            ) WITHOUT ROWID
            """)
    }

    /// Converts the store's card numbers; a store with none is left as it is. Needs the store's key.
    static func convert(_ db: Database, key: StoreKey?) throws {
        try createTable(db)
        let clients = try String.fetchAll(db, sql: "SELECT id FROM clients")
        let cardValues = try String.fetchAll(db, sql: "SELECT DISTINCT value FROM list_entries WHERE target = 'card'")
        let numbers = (clients + cardValues).filter { CardNumber.digits(Array($0.utf8), separated: false) != nil }
        let digitsInKeys = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM transactions WHERE source_key GLOB ?)",
                                             arguments: [twelveDigits]) ?? false
        let digitsInRejections = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM rejected_rows WHERE raw GLOB ?1 OR value GLOB ?1)",
                                                   arguments: [twelveDigits]) ?? false
        let digitsInTrail = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM triage_events WHERE note GLOB ?1 OR from_status GLOB ?1 OR to_status GLOB ?1 OR action GLOB ?1)
            """, arguments: [twelveDigits]) ?? false
        guard !numbers.isEmpty || digitsInKeys || digitsInRejections || digitsInTrail else { return }
        guard let key else {
            throw StoreKeyError.missing(file: "the key file", store: "the store",
                                        needed: "turning the card numbers it holds into tokens")
        }
        // Overwrite what is replaced, so that the numbers do not live on in free space.
        try db.execute(sql: "PRAGMA secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA secure_delete = OFF") }

        let registry = try CardRegistry(tokenizer: CardTokenizer(key: key), db: db)
        var map: [String: String] = [:]
        for number in Set(numbers).sorted() {
            map[number] = registry.clientID(Array(number.utf8))
        }
        try CardRegistry.store(registry.takeNew(), db)
        try db.execute(sql: "CREATE TEMP TABLE card_map (old TEXT PRIMARY KEY NOT NULL, new TEXT NOT NULL) WITHOUT ROWID")
        let insert = try db.makeStatement(sql: "INSERT INTO card_map (old, new) VALUES (?, ?)")
        for (old, new) in map { try insert.execute(arguments: [old, new]) }

        let tokenizer = registry.tokenizer
        let known = map
        func text(_ value: String) -> String { Self.text(value, known: known) }
        db.add(function: DatabaseFunction("vigil_card_text", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0].databaseValue).map { Self.text($0, known: known) }
        })
        db.add(function: DatabaseFunction("vigil_card_source_key", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0].databaseValue).map(tokenizer.sourceKey)
        })
        db.add(function: DatabaseFunction("vigil_source_hash", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0].databaseValue).map(FNV1a.sourceHash)
        })
        let mapped = "(SELECT new FROM card_map WHERE old = %@)"
        func mapping(_ column: String) -> String { String(format: mapped, column) }
        try db.execute(sql: """
            UPDATE clients SET id = \(mapping("id")) WHERE id IN (SELECT old FROM card_map);
            UPDATE client_profiles SET client_id = \(mapping("client_id")) WHERE client_id IN (SELECT old FROM card_map);
            UPDATE alerts SET client_id = \(mapping("client_id")) WHERE client_id IN (SELECT old FROM card_map);
            UPDATE cases SET client_id = \(mapping("client_id")) WHERE client_id IN (SELECT old FROM card_map);
            UPDATE list_entries SET value = \(mapping("value")) WHERE target = 'card' AND value IN (SELECT old FROM card_map);
            UPDATE list_entries SET note = vigil_card_text(note) WHERE note GLOB '\(twelveDigits)';
            UPDATE alerts SET reasons = vigil_card_text(reasons) WHERE reasons GLOB '\(twelveDigits)';
            UPDATE rejected_rows SET raw = vigil_card_text(raw), value = vigil_card_text(value)
                WHERE raw GLOB '\(twelveDigits)' OR value GLOB '\(twelveDigits)';
            """)
        // One pass over the transactions: the client and the source id together. The new id's hash is what the
        // unique index holds; a card-number part becomes a token, so no two rows' new ids meet unless their old
        // ids did.
        try db.execute(sql: """
            UPDATE transactions SET
                client_id = coalesce(\(mapping("client_id")), client_id),
                source_key = vigil_card_source_key(source_key),
                source_hash = vigil_source_hash(vigil_card_source_key(source_key))
            WHERE client_id IN (SELECT old FROM card_map) OR source_key GLOB '\(twelveDigits)'
            """)
        let transactions = db.changesCount
        let events = digitsInTrail ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_events") ?? 0 : 0
        if digitsInTrail {
            try rewriteTrail(db) { event in
                event.note = event.note.map(text)
                event.fromStatus = event.fromStatus.map(text)
                event.toStatus = event.toStatus.map(text)
                event.action = text(event.action)
            }
        }
        try db.execute(sql: "DROP TABLE card_map")
        // What was done, in words, kept in the store: said once by the command that opened it (`Store.upgradeNotes`).
        try Store.setSetting(conversionSetting, conversionSummary(cards: map.count, transactions: transactions, events: events), db)
        try Store.setSetting(CardNumberPolicy.setting, CardNumberPolicy.tokens.rawValue, db)
        // Pages keep stale bytes in their unused space from before (a page split leaves its old cells behind), which
        // `secure_delete` cannot reach: the file is rebuilt once the migration has committed (`Store.init`).
        try Store.setSetting(vacuumSetting, "card numbers replaced by tokens", db)
    }

    /// Set while the file must be rebuilt to drop what a migration replaced.
    static let vacuumSetting = "vacuum_pending"
    /// What the conversion did, in words.
    static let conversionSetting = "card_conversion"

    /// "card numbers are now tokens: 300 cards became masked ids with a keyed token, 255,215 transactions and 3 audit
    /// events (chained and sealed again) rewritten, and the file rebuilt so that no number is left in it (docs/cards.md)".
    static func conversionSummary(cards: Int, transactions: Int, events: Int) -> String {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(Formatting.grouped(n)) \(n == 1 ? one : many)" }
        let rewritten = [count(transactions, "transaction", "transactions")]
            + (events > 0 ? [count(events, "audit event", "audit events") + " (chained and sealed again)"] : [])
        return "card numbers are now tokens: " + count(cards, "card became a masked id", "cards became masked ids")
            + " with a keyed token, " + rewritten.joined(separator: " and ") + " rewritten, and the file rebuilt so that no "
            + "number is left in it (docs/cards.md)"
    }

    /// Free text with each card number this store knows (`known`, old id to new) as its card's id, and any other run
    /// of 12 to 19 digits masked.
    static func text(_ value: String, known: [String: String]) -> String {
        var out = ""
        var digits = ""
        func flush() {
            out += known[digits] ?? CardNumber.maskingDigitRuns(in: digits)
            digits = ""
        }
        for ch in value {
            if ch.isASCII, ch.isNumber {
                digits.append(ch)
            } else {
                if !digits.isEmpty { flush() }
                out.append(ch)
            }
        }
        if !digits.isEmpty { flush() }
        return out
    }

    /// A GLOB pattern: twelve digits in a row somewhere in the text.
    static let twelveDigits = "*" + String(repeating: "[0-9]", count: 12) + "*"

    /// Rewrites every event of the trail with `change` and chains it again from the first event, its head too.
    static func rewriteTrail(_ db: Database, _ change: (inout TriageEvent) -> Void) throws {
        let events = try Row.fetchAll(db, sql: "SELECT * FROM triage_events ORDER BY id").map(Store.event)
        try db.execute(sql: "DROP TRIGGER triage_events_no_update")
        var previous = Store.genesisHash
        let update = try db.makeStatement(sql: """
            UPDATE triage_events SET note = ?, from_status = ?, to_status = ?, action = ?, prev_hash = ?, hash = ? WHERE id = ?
            """)
        // Hashes are unique: moved out of the way first, so that a new hash never meets an old one mid-rewrite.
        try db.execute(sql: "UPDATE triage_events SET hash = 'rewriting ' || id")
        for var event in events {
            change(&event)
            event.previousHash = previous
            event.hash = Store.hash(of: event)
            try update.execute(arguments: [event.note, event.fromStatus, event.toStatus, event.action, event.previousHash,
                                           event.hash, event.id])
            previous = event.hash
        }
        try db.execute(sql: "UPDATE audit_head SET last_hash = ? WHERE id = 1", arguments: [previous])
        try db.execute(sql: """
            CREATE TRIGGER triage_events_no_update BEFORE UPDATE ON triage_events
                BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END
            """)
    }
}
