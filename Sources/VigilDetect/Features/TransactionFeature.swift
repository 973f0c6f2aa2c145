/// The columns of the feature matrix the model-based detectors see, in order.
///
/// Every value is computed causally: from the transaction itself and the same client's earlier transactions only,
/// so a batch scan and a transaction scored live on arrival get the same vector.
public enum TransactionFeature: String, CaseIterable, Sendable {
    /// log(1 + amount in major units), negative for refunds.
    case logAmount = "log_amount"
    /// Time of day (UTC seconds of the day) on a circle, so 23:59 sits next to 00:00.
    case hourSin = "hour_sin"
    case hourCos = "hour_cos"
    /// Day of the week on a circle.
    case weekdaySin = "weekday_sin"
    case weekdayCos = "weekday_cos"
    /// 1 − the client's past share of this category (smoothed toward the population's share).
    case categoryRarity = "category_rarity"
    /// 1 − the client's past share of transactions within an hour of this time of day (smoothed likewise).
    case hourRarity = "hour_rarity"
    /// log(1 + km) from the client's home to the merchant; 0 where either place is unknown.
    case logKmFromHome = "log_km_from_home"
    /// log(1 + km) from the previous transaction's merchant (from home for a first transaction).
    case logKmFromPrevious = "log_km_from_previous"
    /// log(1 + hours) since the client's previous transaction (a day for a first transaction).
    case logHoursSincePrevious = "log_hours_since_previous"
    /// log(1 + km/h) needed to get here from the previous transaction's merchant (gaps under a minute count as one).
    case logSpeedKmh = "log_speed_kmh"
    /// Robust z-score of log amount against the client's recent history: (x − median) / (1.4826 · MAD),
    /// against the population's when the client has fewer than `FeatureExtractor.minimumHistory` transactions.
    case amountDeviation = "amount_deviation"
    /// Robust z-score of log(1 + spend in the 24 hours up to and including this transaction) against the same
    /// figure at the client's recent transactions (the population's amount statistics for a short history).
    case daySpendDeviation = "day_spend_deviation"
    /// log(1 + the client's transactions in the hour before this one).
    case logCountLastHour = "log_count_last_hour"
    /// log(1 + the client's transactions in the day before this one).
    case logCountLastDay = "log_count_last_day"

    public static var names: [String] { allCases.map(\.rawValue) }

    /// Position of the feature in a row.
    public var column: Int { Self.allCases.firstIndex(of: self)! }
}
