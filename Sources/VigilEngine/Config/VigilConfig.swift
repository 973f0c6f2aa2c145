import Foundation
import VigilDetect

/// Everything an analyst can tune about scanning and alerting, with the documented defaults.
/// Read from a TOML file (`VigilConfig.load`); `vigil config --print-defaults` writes the defaults out.
public struct VigilConfig: Sendable, Equatable {
    /// The seed of the Isolation Forest and of LOF's reference sample: the same seed gives the same scores.
    public var seed = 0
    /// An ensemble score at or above this makes an alert.
    public var alertThreshold = 0.5
    /// At most this many alerts per UTC day of transactions (the highest-scoring); 0 for no budget.
    public var dailyBudget = 200
    /// A model's score counts toward the ensemble only inside this top share of its own ranking.
    public var modelTail = 1.0
    /// The spree (see `Spree`): how far back, in hours, an earlier alert-worthy transaction on the same card counts
    /// (0 = off), the share of each smaller excess beyond the alert threshold's evidence added, and how strongly a
    /// transaction below the threshold that follows one is drawn towards the threshold (never past it).
    public var spreeHours = 48.0
    public var spreeWeight = 1.0
    public var spreeContext = 1.0
    public var spreeCount = 3
    /// Evidence each detector adds at full strength (see `Ensemble`).
    public var weights: [Detector: Double] = VigilConfig.defaultWeights
    public var treeCount = 100
    /// Rows per tree; 0 means min(256, transactions), scikit-learn's "auto".
    public var maxSamples = 0
    public var neighbourCount = 20
    public var lofReferenceLimit = 20_000
    public var rules = RuleSet.Parameters()
    /// The detectors that look across cards at one merchant (`CrossCard`).
    public var crossCard = CrossCard.Parameters()
    /// The LSTM sequence model: hidden size, training epochs at most, and how many transactions (whole clients,
    /// chosen by the seed) it trains on; every transaction is scored.
    public var lstmHidden = 32
    public var lstmEpochs = 10
    public var lstmTrainingTransactions = 1_000_000
    /// A card's alert more than this many hours after the latest alert of its newest case starts a new case.
    public var caseGapHours = 72.0

    /// `caseGapHours` in whole seconds, as `Store.refreshCases` takes it.
    public var caseGapSeconds: Int64 { Int64((caseGapHours * 3_600).rounded()) }

    public init() {}

    public static let defaultWeights: [Detector: Double] = [
        .isolationForest: 0.25,
        .localOutlierFactor: 0.25,
        .lstm: 0.25,
        .impossibleTravel: 1.0,
        .cardTesting: 1.0,
        .unusualPlace: 0.5,
        // A charge several times the client's own usual is among the strongest single signs of a stolen card; a
        // charge large for everyone says less about this client, but more than hour or habit.
        .unusualAmount: 0.5,
        .categoryAmount: 0.4,
        .overDailySpend: 0.5,
        .overMonthlySpend: 0.3,
        .unusualHour: 0.3,
        .burst: 0.3,
        // Several cards confirmed fraud at one merchant is strong evidence on its own; exposure and surges are
        // leads that need another detector to agree.
        .merchantRisk: 1.0,
        .merchantSurge: 0.5,
        .cardExposure: 0.15,
        // A lead: how hard a run of large charges pulls a quiet transaction towards the threshold, never past it.
        .amountRun: 3.0,
    ]

    public var ensemble: Ensemble { Ensemble(weights: weights) }
    public var spree: Spree {
        Spree(hours: spreeHours, weight: spreeWeight, floor: Ensemble.evidence(score: alertThreshold), context: spreeContext,
              most: spreeCount)
    }

    /// The default place for a config file: `$XDG_CONFIG_HOME/vigil/config.toml`, else `~/.config/vigil/config.toml`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/vigil/config.toml" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/vigil/config.toml"
    }
}

extension VigilConfig {
    /// Subscript access to one detector's weight, so weights fit the same key table as every other setting.
    subscript(weight detector: Detector) -> Double {
        get { weights[detector] ?? 0 }
        set { weights[detector] = newValue }
    }

    /// Every setting a config file may hold, in the order `--print-defaults` writes them.
    static var keys: [ConfigKey] {
        var keys: [ConfigKey] = [
            .int("scan.seed", \.seed, 0...Int(Int32.max), "seed of the Isolation Forest and of LOF's reference sample"),
            .double("alerts.threshold", \.alertThreshold, 0.01...0.99,
                    "an ensemble score (0-1) at or above this makes an alert; 0.5 is evidence ln 2 = 0.69"),
            .int("alerts.daily_budget", \.dailyBudget, 0...1_000_000,
                 "at most this many alerts per UTC day of transactions, the highest first; 0 = no budget"),
            .double("cases.gap_hours", \.caseGapHours, 0...8_760,
                    "a card's alert this many hours after the latest alert of its newest case starts a new case"),
            .double("ensemble.model_tail", \.modelTail, 0.0001...1,
                    "a model (iforest, lof) adds evidence only for the top share of its own ranking, rising to its full weight at the very top"),
            .double("ensemble.spree_hours", \.spreeHours, 0...720,
                    "alert-worthy transactions on the same card this many hours before raise an alert-worthy one (fraud comes in sprees); 0 = off"),
            .double("ensemble.spree_weight", \.spreeWeight, 0...10,
                    "each earlier alert-worthy transaction adds this share of the smaller of the two transactions' evidence beyond the alert threshold's"),
            .int("ensemble.spree_count", \.spreeCount, 1...1_000,
                 "at most this many earlier alert-worthy transactions, the most suspicious, raise an alert-worthy one"),
            .double("ensemble.spree_context", \.spreeContext, 0...10,
                    "how strongly a transaction below the threshold that follows an alert-worthy one is drawn towards the threshold, never reaching it; 0 = off"),
        ]
        for detector in Detector.allCases {
            keys.append(.double("weights.\(detector.rawValue)", \VigilConfig.[weight: detector], 0...10,
                                "evidence \(detector.title) adds at full strength (0 = ignored)"))
        }
        keys += [
            .int("isolation_forest.trees", \.treeCount, 1...10_000, "number of trees"),
            .int("isolation_forest.max_samples", \.maxSamples, 0...10_000_000, "rows per tree; 0 = min(256, transactions)"),
            .int("lof.neighbours", \.neighbourCount, 1...1_000, "k, the neighbours each transaction is compared with"),
            .int("lof.reference_limit", \.lofReferenceLimit, 100...10_000_000,
                 "above this many transactions, LOF is fitted on a seeded sample of this size and scores the rest against it"),
            .int("lstm.hidden", \.lstmHidden, 4...256, "hidden size of the LSTM (a change takes effect when the model is retrained)"),
            .int("lstm.epochs", \.lstmEpochs, 1...100, "passes over the training transactions at most (training stops early when held-back loss stops falling)"),
            .int("lstm.training_transactions", \.lstmTrainingTransactions, 1_000...100_000_000,
                 "the LSTM trains on whole clients, chosen by the seed, up to about this many transactions; it scores every one"),

            .double("rules.impossible_travel.max_speed_kmh", \.rules.impossibleTravel.maxSpeedKmh, 1...100_000,
                    "card-present transactions further apart than this speed allows are flagged (an airliner: 900)"),
            .double("rules.impossible_travel.tolerance_km", \.rules.impossibleTravel.toleranceKm, 0...10_000,
                    "distance forgiven for merchant-location noise"),
            .double("rules.impossible_travel.saturation", \.rules.impossibleTravel.saturation, 1.01...1_000,
                    "the score reaches 1 at this many times the maximum speed"),

            .double("rules.unusual_place.minimum_km", \.rules.unusualPlace.minimumKm, 1...20_000,
                    "an in-person transaction this far from every place the client used before is flagged"),
            .double("rules.unusual_place.saturation", \.rules.unusualPlace.saturation, 1.01...1_000,
                    "the score reaches 1 at this many times minimum_km"),
            .double("rules.unusual_place.merge_km", \.rules.unusualPlace.mergeKm, 0...1_000, "places closer than this count as one"),
            .int("rules.unusual_place.minimum_history", \.rules.unusualPlace.minimumHistory, 0...1_000_000,
                 "in-person transactions needed before the rule speaks"),
            .int("rules.unusual_place.maximum_places", \.rules.unusualPlace.maximumPlaces, 1...100_000,
                 "places remembered per client"),

            .double("rules.impossible_travel.local_area_quantile", \.rules.impossibleTravel.localAreaQuantile, 0...1,
                    "legs with both ends within this quantile of the client's distances from home are local, not travel; 0 = off"),
            .int("rules.impossible_travel.local_area_history", \.rules.impossibleTravel.localAreaHistory, 1...1_000_000,
                 "card-present transactions needed before the local area is trusted"),
            .double("rules.impossible_travel.noise_quantile", \.rules.impossibleTravel.noiseQuantile, 0...1,
                    "legs shorter than twice this quantile of the client's distances from home are never timed; 0 = off"),

            .double("rules.unusual_amount.quantile", \.rules.unusualAmount.quantile, 0.5...1,
                    "the client's usual largest charge: this quantile of their recent charges in the category"),
            .double("rules.unusual_amount.factor", \.rules.unusualAmount.factor, 1...100, "flag a charge above this many times the usual largest"),
            .double("rules.unusual_amount.median_factor", \.rules.unusualAmount.medianFactor, 1...100,
                    "and above this many times the client's median charge in the category"),
            .money("rules.unusual_amount.floor", \.rules.unusualAmount.floorMinor, 0...1_000_000_000,
                   "never flag a charge below this amount (in major units), so pennies never alert"),
            .int("rules.unusual_amount.window", \.rules.unusualAmount.window, 1...10_000, "recent charges remembered per category"),
            .int("rules.unusual_amount.minimum_in_category", \.rules.unusualAmount.minimumInCategory, 1...10_000,
                 "charges in a category before it is judged on its own (before that, against all the client's charges)"),
            .int("rules.unusual_amount.minimum_history", \.rules.unusualAmount.minimumHistory, 1...1_000_000,
                 "charges needed before the rule speaks"),
            .double("rules.unusual_amount.saturation", \.rules.unusualAmount.saturation, 1.01...1_000,
                    "the score reaches 1 at this many times the limit"),

            .double("rules.amount_run.window_days", \.rules.amountRun.windowDays, 0.5...365,
                    "charges over the client's limit this many days back make a run"),
            .double("rules.amount_run.position", \.rules.amountRun.position, 0...10,
                    "a charge scores from this far between the client's median (0) and usual largest charge (1)"),
            .double("rules.amount_run.start_probability", \.rules.amountRun.startProbability, 1e-12...1,
                    "a run counts once this unlikely at the client's own rate of charges over their limit"),
            .double("rules.amount_run.full_probability", \.rules.amountRun.fullProbability, 1e-12...1,
                    "and counts fully once this unlikely"),
            .double("rules.amount_run.prior_flags", \.rules.amountRun.priorFlags, 0...1_000,
                    "the client's rate of charges over their limit starts at this many"),
            .double("rules.amount_run.prior_charges", \.rules.amountRun.priorCharges, 1...1_000_000,
                    "in this many charges"),

            .double("rules.category_amount.tail", \.rules.categoryAmount.tail, 0.001...PopulationPrior.categoryAmountShareKept,
                    "a charge scores when under this share of everyone's charges in its category are as large; 1 when none are"),
            .money("rules.category_amount.floor", \.rules.categoryAmount.floorMinor, 0...1_000_000_000,
                   "never flag a charge below this amount (in major units), nor one within the client's usual largest"),
            .int("rules.category_amount.minimum_charges", \.rules.categoryAmount.minimumCharges, 1...1_000_000,
                 "charges the population sample needs in a category before the rule judges it"),

            .double("rules.unusual_hour.threshold", \.rules.unusualHour.threshold, 0.000_1...1,
                    "flag when less than this share of the client's transactions fall within an hour of this one's time"),
            .double("rules.unusual_hour.half_life_days", \.rules.unusualHour.halfLifeDays, 1...3_650,
                    "older transactions count half as much after this many days"),
            .double("rules.unusual_hour.prior_weight", \.rules.unusualHour.priorWeight, 0...100_000,
                    "the population's hours count as this many transactions of a client's own"),
            .int("rules.unusual_hour.minimum_history", \.rules.unusualHour.minimumHistory, 0...1_000_000,
                 "transactions needed before the rule speaks"),
        ]
        let spendRules: [(String, WritableKeyPath<VigilConfig, OverSpendRule.Parameters>)] = [
            ("over_daily_spend", \VigilConfig.rules.overDailySpend), ("over_monthly_spend", \VigilConfig.rules.overMonthlySpend),
        ]
        for (name, path) in spendRules {
            keys += spendKeys(name: name, path)
        }
        keys += [
            .seconds("rules.burst.window_minutes", \.rules.burst.windowSeconds, 1...10_080, "the window transactions are counted in"),
            .double("rules.burst.tail_probability", \.rules.burst.tailProbability, 1e-12...0.5,
                    "flag a count this unlikely (Poisson) at the client's usual rate"),
            .int("rules.burst.minimum_count", \.rules.burst.minimumCount, 2...10_000, "never flag fewer transactions in the window"),
            .double("rules.burst.minimum_daily_rate", \.rules.burst.minimumDailyRate, 0...10_000,
                    "the rate assumed at least, per day, so a quiet client's one busy afternoon is not a burst"),
            .int("rules.burst.minimum_history", \.rules.burst.minimumHistory, 0...1_000_000, "transactions needed before bursts are judged"),
            .int("rules.burst.test_count", \.rules.burst.testCount, 1...1_000, "small charges that make a card-testing run"),
            .money("rules.burst.small_amount", \.rules.burst.smallMinor, 0...1_000_000, "a card-testing charge is at most this"),
            .money("rules.burst.large_amount", \.rules.burst.largeMinor, 0...1_000_000_000,
                   "a charge of at least this after a testing run is flagged as card testing"),
            .seconds("rules.burst.test_window_minutes", \.rules.burst.testWindowSeconds, 1...10_080,
                     "how close together the testing run and the large charge are"),
            .double("cross_card.risk_window_days", \.crossCard.riskWindowDays, 1...365,
                    "a merchant's confirmed fraud this many days back makes it risky"),
            .int("cross_card.risk_minimum_cards", \.crossCard.riskMinimumCards, 1...1_000,
                 "fraud cards a merchant needs before it counts as risky"),
            .double("cross_card.risk_prior", \.crossCard.riskPrior, 0...100_000,
                    "pseudo-transactions at the population's rate a merchant's share is smoothed with"),
            .double("cross_card.risk_lift", \.crossCard.riskLift, 1...1_000_000,
                    "flag a merchant at this many times the population's fraud rate"),
            .double("cross_card.risk_half_life_days", \.crossCard.riskHalfLifeDays, 0.1...365,
                    "a merchant's risk halves this often once its latest fraud is older than a week"),
            .double("cross_card.exposure_lookback_days", \.crossCard.exposureLookbackDays, 1...365,
                    "a card's visits this far back count for its exposure"),
            .double("cross_card.exposure_span_days", \.crossCard.exposureSpanDays, 0...365,
                    "other cards' fraud this close to the card's visit counts against it"),
            .int("cross_card.exposure_minimum_cards", \.crossCard.exposureMinimumCards, 1...1_000,
                 "other fraud cards around a visit that make the card exposed"),
            .money("cross_card.testing_amount", \.crossCard.testingMaximumMinor, 0...1_000_000,
                   "a charge at most this is a test charge"),
            .int("cross_card.testing_cards", \.crossCard.testingMinimumCards, 2...10_000,
                 "distinct cards making test charges at one merchant within the hour that flag it"),
            .int("cross_card.surge_cards", \.crossCard.surgeMinimumCards, 2...100_000,
                 "cards new to a merchant within a day that may flag it, if improbable for it"),
        ]
        return keys
    }

    private static func spendKeys(name: String, _ path: WritableKeyPath<VigilConfig, OverSpendRule.Parameters>) -> [ConfigKey] {
        let noun = name == "over_daily_spend" ? "days" : "months"
        let quantile: WritableKeyPath<VigilConfig, Double> = path.appending(path: \.quantile)
        let factor: WritableKeyPath<VigilConfig, Double> = path.appending(path: \.factor)
        let medianFactor: WritableKeyPath<VigilConfig, Double> = path.appending(path: \.medianFactor)
        let floor: WritableKeyPath<VigilConfig, Int64> = path.appending(path: \.floorMinor)
        let window: WritableKeyPath<VigilConfig, Int> = path.appending(path: \.window)
        let minimum: WritableKeyPath<VigilConfig, Int> = path.appending(path: \.minimumPeriods)
        let saturation: WritableKeyPath<VigilConfig, Double> = path.appending(path: \.saturation)
        return [
            .double("rules.\(name).quantile", quantile, 0.5...1, "the client's usual busiest period: this quantile of their \(noun) with spend"),
            .double("rules.\(name).factor", factor, 1...100, "flag spend above this many times the usual"),
            .double("rules.\(name).median_factor", medianFactor, 1...100, "and above this many times the client's median period"),
            .money("rules.\(name).floor", floor, 0...1_000_000_000, "never flag spend below this amount (in major units), so pennies never alert"),
            .int("rules.\(name).window_\(noun)", window, 1...3_650, "\(noun) of history the quantile looks at"),
            .int("rules.\(name).minimum_\(noun)", minimum, 1...3_650, "\(noun) with spend needed before the rule speaks"),
            .double("rules.\(name).saturation", saturation, 1.01...1_000, "the score reaches 1 at this many times the limit"),
        ]
    }

    /// Checks that go across keys; each names the keys involved.
    func crossChecks() -> [String] {
        var problems: [String] = []
        for (name, p, noun) in [("over_daily_spend", rules.overDailySpend, "days"), ("over_monthly_spend", rules.overMonthlySpend, "months")]
        where p.minimumPeriods > p.window {
            problems.append("rules.\(name).minimum_\(noun) (\(p.minimumPeriods)) must not exceed rules.\(name).window_\(noun) (\(p.window))")
        }
        if rules.burst.largeMinor <= rules.burst.smallMinor {
            problems.append("rules.burst.large_amount must be above rules.burst.small_amount")
        }
        if rules.amountRun.fullProbability >= rules.amountRun.startProbability {
            problems.append("rules.amount_run.full_probability must be below rules.amount_run.start_probability")
        }
        if weights.values.allSatisfy({ $0 == 0 }) { problems.append("weights: at least one detector needs a weight above 0") }
        return problems
    }
}
