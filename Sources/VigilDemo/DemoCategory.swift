import Foundation
import VigilCore

/// A spending category in the style of the Sparkov simulator, with how people spend in it.
struct DemoCategory: Sendable {
    let name: String
    /// Bought without the card present (`*_net`).
    let isOnline: Bool
    /// Median amount in USD for a client of spend level 1.
    let medianUSD: Double
    /// Spread of the log-amount.
    let sigma: Double
    /// Share of all purchases for an average client.
    let baseWeight: Double
    /// How much more often this category is bought on a weekend.
    let weekendFactor: Double
    /// How much more often this category is bought while travelling.
    let tripFactor: Double

    var channel: Channel { isOnline ? .online : .cardPresent }
    var logMedian: Double { log(medianUSD) }
}

extension DemoCategory {
    static let all: [DemoCategory] = [
        DemoCategory(name: "gas_transport", isOnline: false, medianUSD: 45, sigma: 0.40, baseWeight: 0.100, weekendFactor: 0.9, tripFactor: 1.6),
        DemoCategory(name: "grocery_pos", isOnline: false, medianUSD: 55, sigma: 0.60, baseWeight: 0.095, weekendFactor: 1.3, tripFactor: 0.5),
        DemoCategory(name: "home", isOnline: false, medianUSD: 40, sigma: 0.90, baseWeight: 0.095, weekendFactor: 1.4, tripFactor: 0.1),
        DemoCategory(name: "shopping_pos", isOnline: false, medianUSD: 40, sigma: 1.00, baseWeight: 0.090, weekendFactor: 1.5, tripFactor: 1.0),
        DemoCategory(name: "kids_pets", isOnline: false, medianUSD: 35, sigma: 0.80, baseWeight: 0.087, weekendFactor: 1.2, tripFactor: 0.2),
        DemoCategory(name: "shopping_net", isOnline: true, medianUSD: 45, sigma: 1.00, baseWeight: 0.075, weekendFactor: 1.0, tripFactor: 0.5),
        DemoCategory(name: "entertainment", isOnline: false, medianUSD: 35, sigma: 0.80, baseWeight: 0.072, weekendFactor: 1.8, tripFactor: 2.0),
        DemoCategory(name: "food_dining", isOnline: false, medianUSD: 25, sigma: 0.70, baseWeight: 0.071, weekendFactor: 1.6, tripFactor: 3.0),
        DemoCategory(name: "personal_care", isOnline: false, medianUSD: 20, sigma: 0.80, baseWeight: 0.070, weekendFactor: 1.1, tripFactor: 0.6),
        DemoCategory(name: "health_fitness", isOnline: false, medianUSD: 30, sigma: 0.70, baseWeight: 0.066, weekendFactor: 0.8, tripFactor: 0.3),
        DemoCategory(name: "misc_pos", isOnline: false, medianUSD: 20, sigma: 1.00, baseWeight: 0.061, weekendFactor: 1.0, tripFactor: 1.2),
        DemoCategory(name: "misc_net", isOnline: true, medianUSD: 20, sigma: 1.00, baseWeight: 0.049, weekendFactor: 0.9, tripFactor: 0.6),
        DemoCategory(name: "grocery_net", isOnline: true, medianUSD: 45, sigma: 0.50, baseWeight: 0.035, weekendFactor: 1.0, tripFactor: 0.1),
        DemoCategory(name: "travel", isOnline: false, medianUSD: 120, sigma: 1.00, baseWeight: 0.031, weekendFactor: 1.0, tripFactor: 8.0),
    ]

    static func index(named name: String) -> Int {
        guard let i = all.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("unknown demo category \(name)")
        }
        return i
    }

    static let shoppingPOS = index(named: "shopping_pos")
    static let shoppingNet = index(named: "shopping_net")
    static let miscNet = index(named: "misc_net")
    static let miscPOS = index(named: "misc_pos")
    static let home = index(named: "home")
    static let foodDining = index(named: "food_dining")
    static let gasTransport = index(named: "gas_transport")
    static let entertainment = index(named: "entertainment")
    static let onlineIndices: [Int] = all.indices.filter { all[$0].isOnline }
    static let cardPresentIndices: [Int] = all.indices.filter { !all[$0].isOnline }
    /// Card-present categories a fraudster hits in quick succession (not travel).
    static let burstCardPresent: [Int] = cardPresentIndices.filter { all[$0].name != "travel" }
}
