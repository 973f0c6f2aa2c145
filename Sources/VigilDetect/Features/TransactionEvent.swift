import VigilCore

/// One transaction as the per-client incremental detectors see it: what a client's state needs to judge the
/// transaction and then to take it into account. Batch detectors build one from a row of `TransactionColumns`;
/// live scoring builds one from an arriving transaction.
///
/// `category` is an id in a vocabulary the caller keeps fixed for the life of the state that sees the event (a
/// chunk's own `categoryNames` in a batch pass, a growing store-wide vocabulary in live scoring).
public struct TransactionEvent: Sendable, Equatable {
    public var instant: Int64
    public var amountMinor: Int64
    public var category: Int32
    public var homeLatitude: Double
    public var homeLongitude: Double
    public var merchantLatitude: Double
    public var merchantLongitude: Double
    public var channel: Channel?

    public init(instant: Int64, amountMinor: Int64, category: Int32, homeLatitude: Double = .nan,
                homeLongitude: Double = .nan, merchantLatitude: Double = .nan, merchantLongitude: Double = .nan,
                channel: Channel? = nil) {
        self.instant = instant
        self.amountMinor = amountMinor
        self.category = category
        self.homeLatitude = homeLatitude
        self.homeLongitude = homeLongitude
        self.merchantLatitude = merchantLatitude
        self.merchantLongitude = merchantLongitude
        self.channel = channel
    }

    /// Row `row` of `columns`.
    @inlinable public init(row: Int, of columns: TransactionColumns) {
        instant = columns.instants[row]
        amountMinor = columns.amountMinor[row]
        category = columns.categories[row]
        homeLatitude = columns.homeLatitude[row]
        homeLongitude = columns.homeLongitude[row]
        merchantLatitude = columns.merchantLatitude[row]
        merchantLongitude = columns.merchantLongitude[row]
        channel = columns.channels.isEmpty ? nil : columns.channels[row]
    }
}
