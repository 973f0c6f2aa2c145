import Foundation
import GRDB
import VigilCore

/// Which alerts the queue shows, and in what order.
public struct AlertQuery: Sendable, Equatable {
    /// A column the queue sorts by.
    public enum SortKey: String, Sendable, CaseIterable {
        case score, time, client, amount, merchant, category, reason, status
    }

    /// Statuses shown; nil shows every status.
    public var statuses: Set<AlertStatus>?
    /// Only alerts with a reason from this detector (`impossible_travel`, `iforest`, ...).
    public var detector: String?
    public var clientID: String?
    /// Amount range, in minor units, inclusive.
    public var minimumAmountMinor: Int64?
    public var maximumAmountMinor: Int64?
    /// Transaction time range, UTC epoch seconds: `from` inclusive, `until` exclusive.
    public var from: Int64?
    public var until: Int64?
    public var sort: SortKey
    public var descending: Bool

    public init(statuses: Set<AlertStatus>? = [.open], detector: String? = nil, clientID: String? = nil,
                minimumAmountMinor: Int64? = nil, maximumAmountMinor: Int64? = nil, from: Int64? = nil, until: Int64? = nil,
                sort: SortKey = .score, descending: Bool = true) {
        self.statuses = statuses
        self.detector = detector
        self.clientID = clientID
        self.minimumAmountMinor = minimumAmountMinor
        self.maximumAmountMinor = maximumAmountMinor
        self.from = from
        self.until = until
        self.sort = sort
        self.descending = descending
    }

    /// The WHERE clause and its arguments; a client typed as a full card number is looked for by its card's id.
    func filter(_ db: Database, key: StoreKey?) throws -> (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let statuses {
            clauses.append(statuses.isEmpty ? "0" : "a.status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
            for status in statuses.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [status.rawValue] }
        }
        if let detector {
            clauses.append("EXISTS (SELECT 1 FROM json_each(a.reasons) r WHERE json_extract(r.value, '$.detector') = ?)")
            arguments += [detector]
        }
        if let clientID {
            clauses.append("a.client_id = ?")
            arguments += [try Store.storedClientID(clientID, key: key, db)]
        }
        if let minimumAmountMinor { clauses.append("a.amount_minor >= ?"); arguments += [minimumAmountMinor] }
        if let maximumAmountMinor { clauses.append("a.amount_minor <= ?"); arguments += [maximumAmountMinor] }
        if let from { clauses.append("a.instant >= ?"); arguments += [from] }
        if let until { clauses.append("a.instant < ?"); arguments += [until] }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// The ORDER BY clause: the sort column, then score (highest first) and id, so the order is total.
    func order() -> String {
        let column: String
        switch sort {
        case .score: column = "a.score"
        case .time: column = "a.instant"
        case .client: column = "a.client_id"
        case .amount: column = "a.amount_minor"
        case .merchant: column = "a.merchant"
        case .category: column = "a.category"
        case .reason: column = Store.topReasonSQL
        case .status: column = "a.status"
        }
        let direction = descending ? "DESC" : "ASC"
        return sort == .score ? "ORDER BY a.score \(direction), a.id" : "ORDER BY \(column) \(direction), a.score DESC, a.id"
    }
}

/// The sort keys of a view's alerts, column by column: what the queue needs to order it in memory. Text columns
/// hold indices into their `…Names` arrays of distinct values.
public struct AlertSortColumns: Sendable, Equatable {
    public var ids: [Int64] = []
    public var scores: [Double] = []
    public var instants: [Int64] = []
    public var amounts: [Int64] = []
    public var clients: [Int32] = []
    public var merchants: [Int32] = []
    public var categories: [Int32] = []
    public var statuses: [Int32] = []
    /// The top reason's text (the first, largest contribution).
    public var reasons: [Int32] = []
    public var clientNames: [String] = []
    public var merchantNames: [String] = []
    public var categoryNames: [String] = []
    public var statusNames: [String] = []
    public var reasonNames: [String] = []

    public init() {}

    public var count: Int { ids.count }
}

extension Store {
    /// The text of an alert's top reason (`AlertReason.top(of:)`) in SQL, for the queue's "Top reason" sort: the
    /// first reason (they are stored by contribution) that is not the spree's boost, else the first.
    static let topReasonSQL = """
        coalesce((SELECT json_extract(r.value, '$.text') FROM json_each(a.reasons) r
                  WHERE json_extract(r.value, '$.detector') <> '\(AlertReason.spreeDetector)' ORDER BY r.key LIMIT 1),
                 json_extract(a.reasons, '$[0].text'), '')
        """

    /// The sort keys of every alert `query`'s filter selects (its sort is ignored), in no particular order: the
    /// queue orders them in memory, by any column, without asking the store again. Read through SQLite's C API
    /// with text interned as it is read: GRDB rows and a String per value cost more than the queue's sort.
    public func alertSortColumns(matching query: AlertQuery) throws -> AlertSortColumns {
        try pool.read { db in
            let (filter, arguments) = try query.filter(db, key: key)
            let sql = """
                SELECT id, score, instant, amount_minor, client_id, merchant, category, status,
                       \(Store.topReasonSQL) FROM alerts a \(filter)
                """
            let statement = try RawStatement(db, sql: sql, arguments: arguments)
            var columns = AlertSortColumns()
            var clients = InternedNames(), merchants = InternedNames(), categories = InternedNames()
            var statuses = InternedNames(), reasons = InternedNames()
            while try statement.step() {
                columns.ids.append(statement.int64(0))
                columns.scores.append(statement.double(1))
                columns.instants.append(statement.int64(2))
                columns.amounts.append(statement.int64(3))
                columns.clients.append(clients.index(of: statement, column: 4))
                columns.merchants.append(merchants.index(of: statement, column: 5))
                columns.categories.append(categories.index(of: statement, column: 6))
                columns.statuses.append(statuses.index(of: statement, column: 7))
                columns.reasons.append(reasons.index(of: statement, column: 8))
            }
            columns.clientNames = clients.names
            columns.merchantNames = merchants.names
            columns.categoryNames = categories.names
            columns.statusNames = statuses.names
            columns.reasonNames = reasons.names
            return columns
        }
    }

    /// The ids of the alerts `query` selects, in its order. A queue keeps this list (8 bytes an alert) and loads
    /// only the rows on screen with `alertSummaries(ids:)`, so 100,000 alerts scroll as fast as 100.
    public func alertIDs(matching query: AlertQuery) throws -> [Int64] {
        try pool.read { db in
            let (filter, arguments) = try query.filter(db, key: key)
            // Read from the alerts table alone: each alert carries its transaction's sort columns.
            return try Int64.fetchAll(db, sql: "SELECT a.id FROM alerts a \(filter) \(query.order())", arguments: arguments)
        }
    }

    /// The alerts with these ids, in the order given (ids no longer stored are left out).
    public func alertSummaries(ids: [Int64]) throws -> [AlertSummary] {
        guard !ids.isEmpty else { return [] }
        return try pool.read { db in
            let decoder = JSONDecoder()
            var byID: [Int64: AlertSummary] = [:]
            try IDChunks.forEach(ids) { chunk, placeholders in
                for row in try Row.fetchAll(db, sql: "\(Self.summaryColumns) WHERE a.id IN (\(placeholders))",
                                            arguments: StatementArguments(chunk)) {
                    let summary = Self.summary(row, decoder)
                    byID[summary.id] = summary
                }
            }
            return ids.compactMap { byID[$0] }
        }
    }

    /// The position in `ids` of the next alert, after `position` (or before it, going backwards) and wrapping
    /// around, whose merchant, client or any reason contains `text` (case-insensitive); nil when none does.
    ///
    /// SQLite picks the candidates in one pass over the alerts, comparing bytes with LIKE (case-insensitive for
    /// ASCII) where loading every alert's summary took a second or more on 13,707 alerts; the candidates are then
    /// confirmed in the order searched, a page at a time, with the same test as before, so a hit near the cursor
    /// reads a page. A text LIKE would not fold as Swift does (anything but ASCII) or that the stored JSON may
    /// escape (a slash, a quote, a backslash) makes every alert a candidate.
    public func searchAlerts(_ text: String, in ids: [Int64], after position: Int, forward: Bool = true) throws -> Int? {
        // A card number typed in full is looked for as its card's id.
        let needle = try clientID(typed: text).lowercased()
        guard !needle.isEmpty, !ids.isEmpty else { return nil }
        let plain = needle.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && !"\\\"/".unicodeScalars.contains($0) }
        let candidates: Set<Int64>? = try plain ? pool.read { db in
            let pattern = "%" + needle.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            let statement = try RawStatement(db, sql: """
                SELECT id FROM alerts WHERE merchant LIKE ?1 ESCAPE '\\' OR client_id LIKE ?1 ESCAPE '\\'
                    OR reasons LIKE ?1 ESCAPE '\\'
                """, arguments: [pattern])
            var found = Set<Int64>()
            while try statement.step() { found.insert(statement.int64(0)) }
            return found
        } : nil
        let count = ids.count
        // Every position once, starting next to `position`; only the candidates are read.
        let order = (1...count).lazy.map { step in ((position + (forward ? step : -step)) % count + count) % count }
            .filter { candidates?.contains(ids[$0]) ?? true }
        var page: [Int] = []
        func confirmed() throws -> Int? {
            let byID = Dictionary(try alertSummaries(ids: page.map { ids[$0] }).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for index in page {
                guard let alert = byID[ids[index]] else { continue }
                if alert.merchant.lowercased().contains(needle) || alert.clientID.lowercased().contains(needle)
                    || alert.reasons.contains(where: { $0.text.lowercased().contains(needle) }) {
                    return index
                }
            }
            page.removeAll(keepingCapacity: true)
            return nil
        }
        // A small first page: a hit is most often near the cursor.
        var pageSize = 50
        for index in order {
            page.append(index)
            guard page.count == pageSize else { continue }
            if let hit = try confirmed() { return hit }
            pageSize = 500
        }
        return page.isEmpty ? nil : try confirmed()
    }
}
