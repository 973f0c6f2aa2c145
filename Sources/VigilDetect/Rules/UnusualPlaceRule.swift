import Foundation
import VigilCore

/// Flags a card-present or ATM transaction far from every place the client has used the card before (home
/// included, when known).
///
/// Places are remembered as points, a new one only when more than `mergeKm` from all those already kept, so the
/// list stays short. Online transactions say where the merchant is registered, not where the card is, and are
/// ignored. Nothing fires before `minimumHistory` earlier placed transactions.
public struct UnusualPlaceRule: Sendable {
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

    /// Findings for client `client` of `columns` (rows in time order), one per flagged transaction.
    public func findings(client: Int, of columns: TransactionColumns) -> [Finding] {
        var found: [Finding] = []
        var places: [GeoPoint] = []
        var history = 0
        for row in columns.rows(ofClient: client) {
            let home = GeoPoint(latitude: columns.homeLatitude[row], longitude: columns.homeLongitude[row])
            if home.isValid { remember(home, in: &places) }
            guard columns.channels[row] == .cardPresent || columns.channels[row] == .atm else { continue }
            let place = GeoPoint(latitude: columns.merchantLatitude[row], longitude: columns.merchantLongitude[row])
            guard place.isValid else { continue }
            if history >= parameters.minimumHistory, let nearest = places.map({ $0.distanceKm(to: place) }).min() {
                let score = score(nearestKm: nearest)
                if score > 0 {
                    found.append(Finding(row: row, score: score, nearestKm: nearest, history: history, knownPlaces: places.count))
                }
            }
            remember(place, in: &places)
            history += 1
        }
        return found
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
