/// How a transaction reached the issuer. Behavioural rules treat card-present
/// transactions (where the card must physically be at the merchant) differently.
public enum Channel: String, Sendable, Hashable, CaseIterable {
    case cardPresent = "card_present"
    case online
    case atm
}

/// One financial transaction as the store holds it.
public struct Transaction: Sendable, Hashable {
    /// Row id in the store; nil before insertion.
    public var id: Int64?
    /// Identifies the row in its source (a transaction number, or a digest of the row) so a re-import adds nothing.
    public var sourceKey: String
    public var clientID: String
    /// UTC epoch seconds.
    public var instant: Int64
    /// The timestamp exactly as the source wrote it.
    public var originalTime: String
    public var amount: Money
    public var merchant: String
    public var category: String
    public var city: String?
    public var state: String?
    public var country: String?
    /// The client's home, when the source knows it.
    public var home: GeoPoint?
    /// Where the merchant is, when the source knows it.
    public var merchantLocation: GeoPoint?
    public var channel: Channel?
    /// Ground truth from the source (1 fraud, 0 legitimate), nil when unlabelled. Never used for fitting.
    public var label: Int?
    /// For generated data, which kind of anomaly was planted (e.g. `impossible_travel`).
    public var labelKind: String?

    public init(
        id: Int64? = nil, sourceKey: String, clientID: String, instant: Int64, originalTime: String,
        amount: Money, merchant: String, category: String, city: String? = nil, state: String? = nil,
        country: String? = nil, home: GeoPoint? = nil, merchantLocation: GeoPoint? = nil,
        channel: Channel? = nil, label: Int? = nil, labelKind: String? = nil
    ) {
        self.id = id
        self.sourceKey = sourceKey
        self.clientID = clientID
        self.instant = instant
        self.originalTime = originalTime
        self.amount = amount
        self.merchant = merchant
        self.category = category
        self.city = city
        self.state = state
        self.country = country
        self.home = home
        self.merchantLocation = merchantLocation
        self.channel = channel
        self.label = label
        self.labelKind = labelKind
    }
}
