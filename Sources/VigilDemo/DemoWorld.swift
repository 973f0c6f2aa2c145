import Foundation
import VigilCore

/// A merchant in the synthetic world. Card-present merchants sit within ~15 km of their
/// city; online merchants have a registered address in one of the larger cities.
struct DemoMerchant: Sendable {
    let name: String
    let category: Int
    let city: Int
    let location: GeoPoint
}

/// The fixed geography and merchant pool every client shares, derived from the seed.
/// A class (immutable, so Sendable) so that handing it to each day's workers costs one retain.
final class DemoWorld: Sendable {
    static let cardPresentMerchantsPerCityAndCategory = 8
    static let onlineMerchantsPerCategory = 30
    static let merchantJitterKm = 15.0

    let cities: [DemoCity]
    let cityCumulativeWeights: [Double]
    let merchants: [DemoMerchant]
    /// cardPresentPool[city][category] -> merchant indices (empty for online categories).
    let cardPresentPool: [[[Int32]]]
    /// onlinePool[category] -> merchant indices (empty for card-present categories).
    let onlinePool: [[Int32]]
    /// cityDistanceKm[a * cities.count + b], centre to centre.
    let cityDistanceKm: [Double]

    init(seed: UInt64) {
        var rng = DemoRandom(seed: seed, purpose: DemoStream.world, 0)
        let cities = DemoCity.all
        let categories = DemoCategory.all
        self.cities = cities
        cityCumulativeWeights = cumulativeWeights(cities.map(\.weight))

        var names = MerchantNamer()
        var merchants: [DemoMerchant] = []
        var cardPresentPool = Array(
            repeating: Array(repeating: [Int32](), count: categories.count), count: cities.count)
        for city in cities.indices {
            for category in DemoCategory.cardPresentIndices {
                for _ in 0..<DemoWorld.cardPresentMerchantsPerCityAndCategory {
                    let location = cities[city].location.jittered(
                        maxKm: DemoWorld.merchantJitterKm, using: &rng)
                    cardPresentPool[city][category].append(Int32(merchants.count))
                    merchants.append(
                        DemoMerchant(name: names.next(&rng), category: category, city: city, location: location))
                }
            }
        }
        // Online merchants register in the bigger metros, as real e-commerce does.
        let hubs = cities.indices.filter { cities[$0].weight >= 2.5 }
        var onlinePool = Array(repeating: [Int32](), count: categories.count)
        for category in DemoCategory.onlineIndices {
            for _ in 0..<DemoWorld.onlineMerchantsPerCategory {
                let city = rng.choice(hubs)
                let location = cities[city].location.jittered(maxKm: DemoWorld.merchantJitterKm, using: &rng)
                onlinePool[category].append(Int32(merchants.count))
                merchants.append(
                    DemoMerchant(name: names.next(&rng), category: category, city: city, location: location))
            }
        }
        self.merchants = merchants
        self.cardPresentPool = cardPresentPool
        self.onlinePool = onlinePool

        var distances = [Double](repeating: 0, count: cities.count * cities.count)
        for a in cities.indices {
            for b in cities.indices {
                distances[a * cities.count + b] = cities[a].location.distanceKm(to: cities[b].location)
            }
        }
        cityDistanceKm = distances
    }

    @inline(__always)
    func distanceKm(_ a: Int, _ b: Int) -> Double { cityDistanceKm[a * cities.count + b] }

    /// A merchant of `category` where a client located in `city` would buy from:
    /// in that city for card-present categories, anywhere for online ones.
    @inline(__always)
    func randomMerchant(category: Int, city: Int, using rng: inout DemoRandom) -> Int32 {
        if DemoCategory.all[category].isOnline {
            return rng.choice(onlinePool[category])
        }
        return rng.choice(cardPresentPool[city][category])
    }
}

/// Purposes of derived random streams; never renumber them, or every seed changes its data.
enum DemoStream {
    static let world: UInt64 = 1
    static let profile: UInt64 = 2
    static let plan: UInt64 = 3
    static let day: UInt64 = 4
    static let compromise: UInt64 = 5
    static let outcome: UInt64 = 6
}

/// Sparkov-style company names ("Kirlin, Kub and Mann", "Rippin-Heller"), each used once.
private struct MerchantNamer {
    private var used: Set<String> = []

    private static let surnames = [
        "Abbott", "Bahringer", "Bashirian", "Bednar", "Bogisich", "Boyer", "Buckridge", "Connelly", "Cormier",
        "Crist", "Cruickshank", "Denesik", "Dickinson", "Durgan", "Ebert", "Feil", "Friesen", "Gleason",
        "Goyette", "Grimes", "Gutmann", "Hagenes", "Hahn", "Haley", "Heller", "Hermann", "Hills", "Howe",
        "Huel", "Jaskolski", "Jast", "Johns", "Kassulke", "Keeling", "Kihn", "Kirlin", "Kling", "Koepp",
        "Kozey", "Kris", "Kub", "Kuhic", "Kunze", "Kutch", "Larkin", "Leannon", "Lind", "Lockman",
        "Macejkovic", "Mann", "Marvin", "Medhurst", "Mraz", "Nader", "Okuneva", "Olson", "Ondricka",
        "Pfannerstill", "Pollich", "Predovic", "Prosacco", "Quitzon", "Rau", "Reichert", "Rippin", "Rolfson",
        "Romaguera", "Ruecker", "Runolfsdottir", "Schaden", "Schmitt", "Schumm", "Sporer", "Stiedemann",
        "Stroman", "Swaniawski", "Thiel", "Torphy", "Towne", "Tromp", "Turner", "Upton", "Veum", "Volkman",
        "Waelchi", "Weber", "Witting", "Wuckert", "Yundt", "Zboncak", "Ziemann", "Zieme",
    ]
    private static let suffixes = ["Inc", "LLC", "Ltd", "Group", "PLC", "and Sons"]

    mutating func next(_ rng: inout DemoRandom) -> String {
        while true {
            let a = rng.choice(Self.surnames)
            let b = rng.choice(Self.surnames)
            let name: String
            switch rng.int(below: 4) {
            case 0: name = "\(a) \(rng.choice(Self.suffixes))"
            case 1: name = "\(a)-\(b)"
            case 2: name = "\(a), \(b) and \(rng.choice(Self.surnames))"
            default: name = "\(a) and \(b)"
            }
            if used.insert(name).inserted { return name }
        }
    }
}
