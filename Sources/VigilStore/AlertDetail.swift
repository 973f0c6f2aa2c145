import Foundation
import GRDB
import VigilCore

/// One of a client's transactions, as the alert detail lists them around the flagged one.
public struct ClientHistoryRow: Sendable, Equatable {
    public var transactionID: Int64
    public var instant: Int64
    public var amount: Money
    public var merchant: String
    public var category: String
    /// The alert on it, if it has one, and that alert's status.
    public var alertStatus: String?

    public init(transactionID: Int64, instant: Int64, amount: Money, merchant: String, category: String, alertStatus: String?) {
        self.transactionID = transactionID
        self.instant = instant
        self.amount = amount
        self.merchant = merchant
        self.category = category
        self.alertStatus = alertStatus
    }
}

/// Everything the alert detail shows about a flagged transaction.
public struct AlertDetail: Sendable, Equatable {
    public var alert: AlertSummary
    public var transaction: Transaction
    /// The client's transactions just before it (oldest first) and just after it.
    public var before: [ClientHistoryRow]
    public var after: [ClientHistoryRow]
    public var events: [TriageEvent]
}

extension Store {
    /// The alert, every field of its transaction, the client's `around` transactions on each side (through the
    /// client+time index), and the alert's triage events; nil when the alert is gone.
    public func alertDetail(alertID: Int64, around: Int = 5) throws -> AlertDetail? {
        try pool.read { db in
            let decoder = JSONDecoder()
            guard let summaryRow = try Row.fetchOne(db, sql: "\(Self.summaryColumns) WHERE a.id = ?", arguments: [alertID]) else {
                return nil
            }
            let alert = Self.summary(summaryRow, decoder)
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM transactions WHERE id = ?", arguments: [alert.transactionID]) else {
                return nil
            }
            func point(_ lat: String, _ lon: String) -> GeoPoint? {
                guard let la: Double = row[lat], let lo: Double = row[lon] else { return nil }
                return GeoPoint(latitude: la, longitude: lo)
            }
            let transaction = Transaction(
                id: row["id"], sourceKey: row["source_key"], clientID: row["client_id"], instant: row["instant"],
                originalTime: row["original_time"], amount: Money(minorUnits: row["amount_minor"], currency: row["currency"]),
                merchant: row["merchant"], category: row["category"], city: row["city"], state: row["state"],
                country: row["country"], home: point("home_lat", "home_lon"), merchantLocation: point("merch_lat", "merch_lon"),
                channel: (row["channel"] as String?).flatMap(Channel.init(rawValue:)), label: row["label"],
                labelKind: row["label_kind"])
            func history(_ sql: String) throws -> [ClientHistoryRow] {
                try Row.fetchAll(db, sql: sql, arguments: [transaction.clientID, transaction.instant, transaction.id, around]).map {
                    ClientHistoryRow(transactionID: $0["id"], instant: $0["instant"],
                                     amount: Money(minorUnits: $0["amount_minor"], currency: $0["currency"]),
                                     merchant: $0["merchant"], category: $0["category"], alertStatus: $0["status"])
                }
            }
            let columns = "t.id, t.instant, t.amount_minor, t.currency, t.merchant, t.category, a.status"
            let before = try history("""
                SELECT \(columns) FROM transactions t LEFT JOIN alerts a ON a.transaction_id = t.id
                WHERE t.client_id = ?1 AND (t.instant < ?2 OR (t.instant = ?2 AND t.id < ?3))
                ORDER BY t.instant DESC, t.id DESC LIMIT ?4
                """).reversed()
            let after = try history("""
                SELECT \(columns) FROM transactions t LEFT JOIN alerts a ON a.transaction_id = t.id
                WHERE t.client_id = ?1 AND (t.instant > ?2 OR (t.instant = ?2 AND t.id > ?3))
                ORDER BY t.instant, t.id LIMIT ?4
                """)
            let events = try Row.fetchAll(db, sql: "SELECT * FROM triage_events WHERE alert_id = ? ORDER BY id",
                                          arguments: [alertID]).map(Self.event)
            return AlertDetail(alert: alert, transaction: transaction, before: Array(before), after: after, events: events)
        }
    }
}
