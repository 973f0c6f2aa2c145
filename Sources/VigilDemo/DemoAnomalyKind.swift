/// The kinds of anomaly the demo plants, one per labelled row (`Transaction.labelKind`).
public enum DemoAnomalyKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A transaction between 01:00 and 05:00 for a client who only ever buys by day.
    case unusualHour = "unusual_hour"
    /// Card-present purchases in a city the client never visits, outside any trip.
    case unusualPlace = "unusual_place"
    /// Several large purchases in one day, the day's total several times the client's usual.
    case overDailySpend = "over_daily_spend"
    /// Many above-normal purchases spread over a month, the month far above usual.
    case overMonthlySpend = "over_monthly_spend"
    /// Many transactions within an hour.
    case burst
    /// A card-present purchase over 1,000 km from a card-present purchase at home an hour or two earlier.
    case impossibleTravel = "impossible_travel"
    /// A run of tiny online amounts within minutes, then a large one.
    case cardTesting = "card_testing"
    /// A card whose details were stolen: for about two weeks a third of its ordinary charges (its usual merchants and
    /// hours) are about five times their amount, a jump relative to the client ($12 becomes $60) whatever its level.
    case compromisedCard = "compromised_card"
    /// A shared card-present merchant whose terminal is skimmed for weeks: every purchase there in that window is
    /// fraud, each ordinary for its own card. Planned over the whole world, not per client (`DemoCompromise`).
    case compromisedMerchant = "compromised_merchant"

    public static func < (lhs: DemoAnomalyKind, rhs: DemoAnomalyKind) -> Bool {
        lhs.ordinal < rhs.ordinal
    }

    /// Planted by each client's own plan (`DemoPlanner`); a compromised merchant is planned across clients.
    var isPerClient: Bool { self != .compromisedMerchant }

    var ordinal: Int { DemoAnomalyKind.allCases.firstIndex(of: self)! }

    /// Rows one incident of this kind plants, on average; used to turn a target fraud rate into incident counts.
    var meanRows: Double {
        switch self {
        case .unusualHour: return 2
        case .unusualPlace: return 2
        case .overDailySpend: return 4.5
        case .overMonthlySpend: return 20
        case .burst: return 9
        case .impossibleTravel: return 1.5
        case .cardTesting: return 11
        case .compromisedCard: return 8.5
        case .compromisedMerchant: return 0
        }
    }
}
