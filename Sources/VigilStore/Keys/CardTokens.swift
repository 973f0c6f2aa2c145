import Foundation
import GRDB
import VigilCore

/// Card numbers as the store keeps them: never in full. A card's client id is its masked number
/// (`356046******2174`, the form every screen and export may show), and the `cards` table maps the card's token
/// (HMAC-SHA-256 of its digits under the store's card key) to that id, so that a number typed in full finds its card
/// and two cards that mask alike stay two clients (the second is `356046******2174~2`). A card-number part of a
/// transaction's source id is kept as a shorter token (`tok_` and 16 hex digits): enough to tell rows apart and to
/// match a chargeback feed's rows, which are tokenised the same way.
public struct CardTokenizer: Sendable {
    let key: [UInt8]

    public init(key: StoreKey) { self.key = key.cardKey }

    /// The card's token: 32 bytes, the same for the same digits under the same key, and nothing without the key.
    public func token(_ digits: [UInt8]) -> [UInt8] { Digest.hmac(key: key, digits) }

    /// A source id's card-number part as stored: `tok_` and the first 8 bytes of its token in hex.
    public func idPart(_ digits: [UInt8]) -> [UInt8] {
        Array("tok_".utf8) + Array(Digest.hex(token(digits).prefix(8)).utf8)
    }

    /// `sourceKey` (`|`-joined parts) with every part that is a card number (12 to 19 digits) as `idPart`.
    public func sourceKey(_ sourceKey: String) -> String {
        guard sourceKey.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return sourceKey }
        var out: [UInt8] = []
        var changed = false
        for (n, part) in sourceKey.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).enumerated() {
            if n > 0 { out.append(UInt8(ascii: "|")) }
            if let digits = CardNumber.digits(part, separated: false) {
                out += idPart(digits)
                changed = true
            } else {
                out += part
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : sourceKey
    }
}

/// How a store keeps card numbers: as tokens (every store unless made with `--keep-pan`), or in clear (test data,
/// outside PCI DSS guidance).
public enum CardNumberPolicy: String, Sendable {
    case tokens
    case clear
    static let setting = "card_numbers"
}

/// The cards an import meets, by token, with the client id each has or is given. Made from the store's `cards`
/// table when parsing starts; the parsing thread gives new cards their ids, and the writer stores them with the
/// batch whose rows first use them (`ParsedBatch.newCards`).
final class CardRegistry: CardIdentities {
    struct State: Sendable {
        var idByToken: [[UInt8]: String] = [:]
        /// The numbers met so far, so that a card's token is made once per import rather than once per row. Held in
        /// this process's memory only, as the file being read holds them.
        var idByNumber: [CardNumber.Packed: [UInt8]] = [:]
        /// The same for source-id parts (`CardTokenizer.idPart`).
        var partByNumber: [CardNumber.Packed: [UInt8]] = [:]
        var taken: Set<String> = []
        var new: [(token: [UInt8], clientID: String)] = []
        /// Card-number values this registry turned into ids (each row counts), for the import's summary.
        var values = 0
    }

    let tokenizer: CardTokenizer
    private let state: Guarded<State>

    init(tokenizer: CardTokenizer, db: Database) throws {
        self.tokenizer = tokenizer
        var loaded = State()
        let rows = try Row.fetchCursor(db, sql: "SELECT token, client_id FROM cards")
        while let row = try rows.next() {
            let token: Data = row["token"]
            let id: String = row["client_id"]
            loaded.idByToken[Array(token)] = id
            loaded.taken.insert(id)
        }
        state = Guarded(loaded)
    }

    /// The client id of the card `number`, as bytes: its stored id, else a new one (`freeID`).
    func clientID(_ number: CardNumber.Packed) -> [UInt8] {
        if let seen = state.update({ s -> [UInt8]? in
            guard let id = s.idByNumber[number] else { return nil }
            s.values += 1
            return id
        }) { return seen }
        let digits = number.digits
        let token = tokenizer.token(digits)
        return state.update { s in
            s.values += 1
            let id = s.idByToken[token] ?? {
                let id = Self.freeID(for: digits) { s.taken.contains($0) }
                s.idByToken[token] = id
                s.taken.insert(id)
                s.new.append((token, id))
                return id
            }()
            let bytes = Array(id.utf8)
            s.idByNumber[number] = bytes
            return bytes
        }
    }

    /// The client id of the card with `digits`.
    func clientID(_ digits: [UInt8]) -> String {
        guard let number = CardNumber.packed(digits, separated: false) else { return String(decoding: digits, as: UTF8.self) }
        return String(decoding: clientID(number), as: UTF8.self)
    }

    /// `tokenizer.idPart` of the card `number`, made once per number per import.
    func idPart(_ number: CardNumber.Packed) -> [UInt8] {
        if let part = state.read({ $0.partByNumber[number] }) { return part }
        let part = tokenizer.idPart(number.digits)
        state.update { $0.partByNumber[number] = part }
        return part
    }

    /// A new card's id: its masked number, or with `~2`, `~3`… when `isTaken` says another card has that id.
    static func freeID(for digits: [UInt8], isTaken: (String) throws -> Bool) rethrows -> String {
        let masked = CardNumber.masked(String(decoding: digits, as: UTF8.self))
        var id = masked
        var n = 1
        while try isTaken(id) {
            n += 1
            id = masked + "~\(n)"
        }
        return id
    }

    /// The cards given ids since the last call, to store with the batch that uses them.
    func takeNew() -> [(token: [UInt8], clientID: String)] {
        state.update { s in
            defer { s.new = [] }
            return s.new
        }
    }

    var values: Int { state.read(\.values) }
    var cards: Int { state.read { $0.idByToken.count } }

    /// Stores cards a batch gave ids; inside the batch's transaction.
    static func store(_ cards: [(token: [UInt8], clientID: String)], _ db: Database) throws {
        guard !cards.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO cards (token, client_id) VALUES (?, ?)")
        // In the table's order: a token is random, so a batch's cards in the order met would each land on another page
        // of the table; sorted, the batch sweeps it once.
        for card in cards.sorted(by: { $0.token.lexicographicallyPrecedes($1.token) }) {
            try insert.execute(arguments: [Data(card.token), card.clientID])
        }
    }
}

extension Store {
    /// `vigil_card_token(digits)`, the card's token under the store's card key (NULL without a key), for SQL that
    /// runs where the store's key is not at hand. `key` is filled in once the key is read.
    static func cardTokenFunction(_ key: Guarded<StoreKey?>) -> DatabaseFunction {
        DatabaseFunction("vigil_card_token", argumentCount: 1, pure: true) { values in
            guard let key = key.read({ $0 }), let digits = String.fromDatabaseValue(values[0].databaseValue) else { return nil }
            return Data(CardTokenizer(key: key).token(Array(digits.utf8)))
        }
    }

    /// How this store keeps card numbers: as its settings say, else as tokens.
    public func cardNumberPolicy() throws -> CardNumberPolicy {
        try pool.read { db in try Self.cardNumberPolicy(db) }
    }

    static func cardNumberPolicy(_ db: Database) throws -> CardNumberPolicy {
        try Store.setting(CardNumberPolicy.setting, db).flatMap(CardNumberPolicy.init(rawValue:)) ?? .tokens
    }

    /// Makes the store keep card numbers in clear (`--keep-pan`): only a store with no transactions, which has never
    /// been told to keep tokens, may be.
    public func keepCardNumbersInClear() throws {
        try pool.write { db in
            let stored = try Store.setting(CardNumberPolicy.setting, db)
            if stored == CardNumberPolicy.clear.rawValue { return }
            let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM transactions)") ?? false
            guard stored == nil, empty else { throw CardPolicyError.alreadyTokens(path: path) }
            try Store.setSetting(CardNumberPolicy.setting, CardNumberPolicy.clear.rawValue, db)
        }
    }

    /// The tokenizer for an import into this store, nil when the store keeps card numbers in clear; records that
    /// the store keeps tokens. Throws when the store's key is not at hand.
    func cardTokenizerForImport() throws -> CardTokenizer? {
        // A store this process may not write says so first: that, not its key, is what stops the import.
        if isReadOnly { throw StoreError.readOnly(path: path, reason: Self.readOnlyReason(path: path)) }
        if try cardNumberPolicy() == .clear { return nil }
        return CardTokenizer(key: try requireKey(for: "importing card numbers (they are stored as tokens made with it)"))
    }

    /// The client id to look for when someone types `text` as a client: the stored id of the card when `text` is a
    /// full card number this store has seen (the number is tokenised with the store's key, never stored or
    /// compared in clear), else `text` as it is.
    public func clientID(typed text: String) throws -> String {
        guard let digits = CardNumber.digits(typed: text) else { return text }
        return try pool.read { db in try Self.clientID(typed: digits, key: key, db) } ?? text
    }

    /// The id of the card with `digits`, stored or made now (a card named by a list before any of its transactions
    /// arrived); inside a write transaction.
    static func cardClientID(_ digits: [UInt8], _ tokenizer: CardTokenizer, _ db: Database) throws -> String {
        let token = Data(tokenizer.token(digits))
        if let id = try String.fetchOne(db, sql: "SELECT client_id FROM cards WHERE token = ?", arguments: [token]) { return id }
        let id = try CardRegistry.freeID(for: digits) { id in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cards WHERE client_id = ?)", arguments: [id]) ?? false
        }
        try db.execute(sql: "INSERT INTO cards (token, client_id) VALUES (?, ?)", arguments: [token, id])
        return id
    }

    /// Free text (a note) as a store that keeps tokens keeps it: each run of 12 to 19 digits that is a card this store
    /// knows becomes the card's id, and any other that passes the Luhn check is masked. As it is in a store that keeps
    /// numbers in clear.
    static func maskingCards(in text: String, _ db: Database) throws -> String {
        guard try cardNumberPolicy(db) == .tokens else { return text }
        var known: [String: String] = [:]
        for run in CardNumber.digitRuns(in: text) {
            if let id = try String.fetchOne(db, sql: "SELECT client_id FROM cards WHERE token = vigil_card_token(?)",
                                            arguments: [run]) { known[run] = id }
        }
        return CardMigration.text(text, known: known)
    }

    /// The stored id that `text`, typed as a client, stands for: `clientID(typed:)` inside a transaction.
    static func storedClientID(_ text: String, key: StoreKey?, _ db: Database) throws -> String {
        guard let digits = CardNumber.digits(typed: text) else { return text }
        return try clientID(typed: digits, key: key, db) ?? text
    }

    static func clientID(typed digits: [UInt8], key: StoreKey?, _ db: Database) throws -> String? {
        if try cardNumberPolicy(db) == .clear { return String(decoding: digits, as: UTF8.self) }
        guard let key else { return nil }
        return try String.fetchOne(db, sql: "SELECT client_id FROM cards WHERE token = ?",
                                   arguments: [Data(CardTokenizer(key: key).token(digits))])
    }
}

public enum CardPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyTokens(path: String)

    public var description: String {
        switch self {
        case .alreadyTokens(let path):
            return "\(path): --keep-pan needs a new store: this one already keeps card numbers as tokens; nothing was imported"
        }
    }
}
