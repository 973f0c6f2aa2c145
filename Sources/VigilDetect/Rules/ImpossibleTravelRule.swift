import Foundation
import VigilCore

/// Flags a card-present transaction that is too far from the client's previous card-present transaction for the
/// time between them: the card would have had to travel faster than an airliner.
///
/// Only card-present transactions count (an online purchase says where the merchant is registered, not where the
/// card is), and only places the source gives. Merchant coordinates are not exact, so `toleranceKm` is taken off
/// every distance first; the same place twice is never travel, whatever the gap. Nor is a leg between two places in
/// the client's usual area (both within the `localAreaQuantile` of their earlier card-present distances from home):
/// local merchants' coordinates are often only the centre of a town or a postcode, too coarse to time a trip across it.
/// For the same reason, once that area is known, no leg shorter than the diameter of where the client usually is
/// (twice the `noiseQuantile` of those distances) is timed: two places that close can both be one noisy
/// neighbourhood, whichever side of the radius they fall. Until a client's
/// own area is known, the population's (`PopulationPrior.localRadiusKm`) stands in for it: a short history alone
/// never makes an alert.
public struct ImpossibleTravelRule: ClientRule {
    public struct Parameters: Sendable, Equatable, Codable {
        /// Speed above which travel is implausible: an airliner's cruise.
        public var maxSpeedKmh: Double = 900
        /// Distance forgiven for merchant-location noise.
        public var toleranceKm: Double = 50
        /// The score reaches 1 at this many times `maxSpeedKmh`, growing with the logarithm of the ratio before that.
        public var saturation: Double = 4
        /// Legs with both ends within this quantile of the client's last 200 card-present distances from home are local; 0 turns
        /// the exemption off.
        public var localAreaQuantile: Double = 0.99
        /// Card-present transactions with a known home needed before the local area is trusted.
        public var localAreaHistory: Int = 10
        /// No leg shorter than twice this quantile of the client's card-present distances from home is timed (a
        /// lower quantile than `localAreaQuantile`, so that a client's occasional trips do not widen it); 0 turns
        /// it off.
        public var noiseQuantile: Double = 0.9

        public init() {}
    }

    /// Why one transaction scored: the leg from the previous card-present transaction.
    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var previousRow: Int
        public var score: Double
        public var distanceKm: Double
        public var elapsedSeconds: Int64
        /// The speed the leg needs after the tolerance; infinite when no time passed.
        public var speedKmh: Double
    }

    public var parameters: Parameters
    /// The population's usual area (`PopulationPrior.localRadiusKm`), for clients whose own is not known yet.
    public var populationRadiusKm: Double?

    public init(parameters: Parameters = Parameters(), populationRadiusKm: Double? = nil) {
        self.parameters = parameters
        self.populationRadiusKm = populationRadiusKm
    }

    /// What the rule remembers of one client between transactions: their previous card-present transaction with a
    /// known place, and their last 200 card-present distances from home (for their usual area).
    public struct State: ClientRuleState {
        struct Previous: Sendable, Equatable, Codable {
            var row: Int
            var instant: Int64
            var place: GeoPoint
            var fromHome: Double?
        }

        var previous: Previous?
        var fromHome = RecentSample()

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// How many card-present distances from home a client's usual area is measured over.
    static let usualAreaSample = 200

    /// Judges `event` (the client's transaction at `row`) against the client's earlier transactions in `state`,
    /// then takes it into account: the finding when the leg from the previous card-present transaction is too
    /// fast. `row` is only carried into findings (as `row`, and later as `previousRow`).
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        guard event.channel == .cardPresent else { return nil }
        let place = GeoPoint(latitude: event.merchantLatitude, longitude: event.merchantLongitude)
        guard place.isValid else { return nil }
        let home = GeoPoint(latitude: event.homeLatitude, longitude: event.homeLongitude)
        let distanceFromHome = home.isValid ? home.distanceKm(to: place) : nil
        var local = false
        var tolerance = parameters.toleranceKm
        let known = state.fromHome.count >= parameters.localAreaHistory
        if parameters.noiseQuantile > 0,
           let usual = known ? state.fromHome.quantile(parameters.noiseQuantile) : populationRadiusKm {
            tolerance = max(tolerance, 2 * usual)
        }
        if parameters.localAreaQuantile > 0,
           let radius = known ? state.fromHome.quantile(parameters.localAreaQuantile) : populationRadiusKm,
           let here = distanceFromHome, let there = state.previous?.fromHome {
            local = here <= radius && there <= radius
        }
        var finding: Finding?
        if let previous = state.previous, !local {
            let distance = previous.place.distanceKm(to: place)
            let elapsed = event.instant - previous.instant
            let needed = speed(distanceKm: distance, elapsedSeconds: elapsed, toleranceKm: tolerance)
            let score = RuleScore.logarithmic(needed, limit: parameters.maxSpeedKmh, saturation: parameters.saturation)
            if score > 0 {
                finding = Finding(row: row, previousRow: previous.row, score: score, distanceKm: distance,
                                  elapsedSeconds: elapsed, speedKmh: needed)
            }
        }
        state.previous = State.Previous(row: row, instant: event.instant, place: place, fromHome: distanceFromHome)
        if let distanceFromHome { state.fromHome.add(distanceFromHome, capacity: Self.usualAreaSample) }
        return finding
    }


    /// The speed a leg needs once the tolerance (`toleranceKm` unless given) is taken off; infinite for a real
    /// distance in no time.
    public func speed(distanceKm: Double, elapsedSeconds: Int64, toleranceKm: Double? = nil) -> Double {
        let distance = max(0, distanceKm - (toleranceKm ?? parameters.toleranceKm))
        if distance == 0 { return 0 }
        guard elapsedSeconds > 0 else { return .infinity }
        return distance / (Double(elapsedSeconds) / 3_600)
    }

    /// 0 up to `maxSpeedKmh`, then log(speed / max) / log(saturation), capped at 1 (a jump in no time scores 1).
    public func score(distanceKm: Double, elapsedSeconds: Int64) -> Double {
        RuleScore.logarithmic(speed(distanceKm: distanceKm, elapsedSeconds: elapsedSeconds),
                              limit: parameters.maxSpeedKmh, saturation: parameters.saturation)
    }

    /// The finding in words, with its numbers.
    public func reason(for finding: Finding) -> String {
        let distance = Formatting.grouped(Int(finding.distanceKm.rounded()))
        let speed = finding.speedKmh.isFinite ? "\(Formatting.grouped(Int(finding.speedKmh.rounded()))) km/h"
                                              : "an instant jump"
        return "card present \(distance) km from the previous card-present transaction "
            + "\(Self.duration(finding.elapsedSeconds)) earlier: \(speed) needed, "
            + "faster than an airliner (\(Formatting.grouped(Int(parameters.maxSpeedKmh))) km/h)"
    }

    /// "0 min", "45 min", "2 h 05 min", "3 d 4 h".
    static func duration(_ seconds: Int64) -> String {
        let minutes = max(0, seconds) / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) h \(String(format: "%02d", Int(minutes % 60))) min" }
        return "\(hours / 24) d \(hours % 24) h"
    }
}
