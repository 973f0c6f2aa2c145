/// Transactions of whole clients, column by column, each client's rows together and in time order.
///
/// This is how the store hands history to the detectors: columns of plain numbers stream in chunks of a few
/// hundred thousand rows without a `Transaction` value (and its strings) per row. A client never straddles two
/// chunks, so a chunk's clients can be worked on in parallel, each with its whole history.
public struct TransactionColumns: Sendable, Equatable {
    /// Store row ids.
    public var ids: [Int64] = []
    /// Where each client's rows start; `clientStarts.last` is `count`. Client `c` owns rows
    /// `clientStarts[c] ..< clientStarts[c + 1]`.
    public var clientStarts: [Int] = [0]
    /// The clients' ids, one per client.
    public var clientIDs: [String] = []
    /// UTC epoch seconds.
    public var instants: [Int64] = []
    /// Amounts in minor units (refunds negative); all of one currency is assumed by the features.
    public var amountMinor: [Int64] = []
    /// Index into `categoryNames`.
    public var categories: [Int32] = []
    /// Category names, shared by every chunk of one load (indices are stable across chunks).
    public var categoryNames: [String] = []
    /// Index into `merchantNames`.
    public var merchants: [Int32] = []
    /// Merchant names, shared by every chunk of one load (indices are stable across chunks). May be empty when the
    /// columns were built without merchants (every row's index then 0): readers check an index before using it.
    public var merchantNames: [String] = []
    /// Home and merchant coordinates in degrees; NaN where the source did not say.
    public var homeLatitude: [Double] = []
    public var homeLongitude: [Double] = []
    public var merchantLatitude: [Double] = []
    public var merchantLongitude: [Double] = []
    /// Ground truth: 1 fraud, 0 legitimate, -1 unknown. Carried for evaluation, never used for fitting.
    public var labels: [Int8] = []
    /// How each transaction reached the issuer, nil where the source did not say.
    public var channels: [Channel?] = []

    public init() {}

    public var count: Int { ids.count }
    public var clientCount: Int { clientStarts.count - 1 }

    /// Rows of client `c`.
    public func rows(ofClient c: Int) -> Range<Int> { clientStarts[c]..<clientStarts[c + 1] }

    /// Appends one row to the client being filled (call `endClient` after each client's last row).
    /// `merchant` is where the merchant is; `merchantIndex` who it is, an index into `merchantNames`.
    public mutating func append(id: Int64, instant: Int64, amountMinor: Int64, category: Int32,
                                home: (Double, Double), merchant: (Double, Double), label: Int8,
                                channel: Channel? = nil, merchantIndex: Int32 = 0) {
        ids.append(id)
        instants.append(instant)
        self.amountMinor.append(amountMinor)
        categories.append(category)
        merchants.append(merchantIndex)
        homeLatitude.append(home.0)
        homeLongitude.append(home.1)
        merchantLatitude.append(merchant.0)
        merchantLongitude.append(merchant.1)
        labels.append(label)
        channels.append(channel)
    }

    /// Closes the current client's rows.
    public mutating func endClient(_ id: String) {
        clientIDs.append(id)
        clientStarts.append(ids.count)
    }

    public mutating func reserveCapacity(_ rows: Int) {
        ids.reserveCapacity(rows)
        instants.reserveCapacity(rows)
        amountMinor.reserveCapacity(rows)
        categories.reserveCapacity(rows)
        merchants.reserveCapacity(rows)
        homeLatitude.reserveCapacity(rows)
        homeLongitude.reserveCapacity(rows)
        merchantLatitude.reserveCapacity(rows)
        merchantLongitude.reserveCapacity(rows)
        labels.reserveCapacity(rows)
        channels.reserveCapacity(rows)
    }
}
