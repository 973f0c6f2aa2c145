import Foundation
import VigilCore

/// Flags a card-present or ATM transaction far from every place the client has used the card before (home
/// included, when known).
///
/// Places are remembered as points, a new one only when more than `mergeKm` from all those already kept, so the
/// list stays short. Online transactions say where the merchant is registered, not where the card is, and are
/// ignored. Nothing fires before `minimumHistory` earlier placed transactions.
public struct UnusualPlaceRule: ClientRule {
    public struct Parameters: Sendable, Equatable, Codable {
        /// Farther than this from every known place is unusual.
        public var minimumKm: Double = 200
        /// The score reaches 1 at this many times `minimumKm`.
        public var saturation: Double = 10
        public var mergeKm: Double = 25
        public var minimumHistory: Int = 10
        public var maximumPlaces: Int = 500

        public init() {}
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        /// Distance to the nearest place seen before, and how many placed transactions came before.
        public var nearestKm: Double
        public var history: Int
        public var knownPlaces: Int
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    public func score(nearestKm: Double) -> Double {
        RuleScore.logarithmic(nearestKm, limit: parameters.minimumKm, saturation: parameters.saturation)
    }

    /// What the rule remembers of one client between transactions: the places they have used the card (and their
    /// homes), at most `maximumPlaces`, and how many placed in-person transactions they have made.
    public struct State: ClientRuleState {
        var places: [GeoPoint] = []
        var history = 0

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// Judges `event` (the client's transaction at `row`) against the places in `state`, then takes its home and
    /// place into account: the finding when an in-person transaction is far from every known place.
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        let home = GeoPoint(latitude: event.homeLatitude, longitude: event.homeLongitude)
        if home.isValid { remember(home, in: &state.places) }
        guard event.channel == .cardPresent || event.channel == .atm else { return nil }
        let place = GeoPoint(latitude: event.merchantLatitude, longitude: event.merchantLongitude)
        guard place.isValid else { return nil }
        var finding: Finding?
        if state.history >= parameters.minimumHistory, !state.places.isEmpty {
            var nearest = Double.infinity
            for known in state.places {
                let distance = known.distanceKm(to: place)
                if distance < nearest { nearest = distance }
            }
            let score = score(nearestKm: nearest)
            if score > 0 {
                finding = Finding(row: row, score: score, nearestKm: nearest, history: state.history,
                                  knownPlaces: state.places.count)
            }
        }
        remember(place, in: &state.places)
        state.history += 1
        return finding
    }


    private func remember(_ place: GeoPoint, in places: inout [GeoPoint]) {
        guard places.count < parameters.maximumPlaces,
              !places.contains(where: { $0.distanceKm(to: place) <= parameters.mergeKm }) else { return }
        places.append(place)
    }

    /// The finding in words, with its numbers.
    public func reason(for finding: Finding) -> String {
        "\(Formatting.grouped(Int(finding.nearestKm.rounded()))) km from every place this client has used the card "
            + "before (\(finding.knownPlaces) places over \(Formatting.grouped(finding.history)) in-person transactions)"
    }
}
