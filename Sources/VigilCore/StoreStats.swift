/// What a store holds, in counts; shown by `vigil stats` and on the workbench's first screen.
public struct StoreStats: Sendable, Hashable {
    public var path: String
    public var transactions: Int
    public var clients: Int
    public var labelledFraud: Int
    public var imports: Int
    public var rejected: Int
    /// Alert counts keyed by status (`open`, `confirmed_fraud`, ...).
    public var alertsByStatus: [String: Int]
    /// Earliest and latest transaction instants (UTC epoch seconds), nil for an empty store.
    public var firstInstant: Int64?
    public var lastInstant: Int64?
    /// Total spend in minor units per currency.
    public var totalMinorUnitsByCurrency: [String: Int64]

    public init(
        path: String, transactions: Int, clients: Int, labelledFraud: Int, imports: Int, rejected: Int,
        alertsByStatus: [String: Int], firstInstant: Int64?, lastInstant: Int64?,
        totalMinorUnitsByCurrency: [String: Int64]
    ) {
        self.path = path
        self.transactions = transactions
        self.clients = clients
        self.labelledFraud = labelledFraud
        self.imports = imports
        self.rejected = rejected
        self.alertsByStatus = alertsByStatus
        self.firstInstant = firstInstant
        self.lastInstant = lastInstant
        self.totalMinorUnitsByCurrency = totalMinorUnitsByCurrency
    }

    public var totalAlerts: Int { alertsByStatus.values.reduce(0, +) }
}
