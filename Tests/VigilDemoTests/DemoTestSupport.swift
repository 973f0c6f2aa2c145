import Foundation
import Testing
import VigilCore
@testable import VigilDemo

/// A whole generated run held in memory (tests use small configs only).
struct DemoRun: Sendable {
    let config: DemoConfig
    let clients: [DemoClient]
    let days: [[Transaction]]
    let compromises: [DemoCompromisedMerchant]
    var rows: [Transaction] { days.flatMap { $0 } }

    init(_ config: DemoConfig, concurrency: Int? = nil) {
        var generator = try! DemoGenerator(config: config)
        if let concurrency { generator.concurrency = concurrency }
        var days: [[Transaction]] = []
        generator.generate { days.append($0) }
        self.config = config
        self.clients = generator.clients()
        self.days = days
        compromises = generator.compromisedMerchants()
    }

    var rowsByClient: [String: [Transaction]] {
        Dictionary(grouping: rows, by: \.clientID).mapValues { $0.sorted { $0.instant < $1.instant } }
    }

    var clientsByID: [String: DemoClient] {
        Dictionary(uniqueKeysWithValues: clients.map { ($0.id, $0) })
    }

    /// FNV-1a over every field of every row, in order.
    var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for row in rows {
            let text = [
                row.sourceKey, row.clientID, String(row.instant), row.originalTime, String(row.amount.minorUnits),
                row.amount.currency, row.merchant, row.category, row.city ?? "-", row.state ?? "-", row.country ?? "-",
                row.home.map { "\($0.latitude),\($0.longitude)" } ?? "-",
                row.merchantLocation.map { "\($0.latitude),\($0.longitude)" } ?? "-",
                row.channel?.rawValue ?? "-", row.label.map(String.init) ?? "-", row.labelKind ?? "-",
            ].joined(separator: "|")
            for byte in text.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            hash = (hash ^ 0x0a) &* 0x100_0000_01b3
        }
        return hash
    }
}

/// Runs shared by several tests, generated once.
enum Runs {
    /// Default rates, a year, a modest population: for the share of fraud and kind coverage.
    static let defaultRates = DemoRun(DemoConfig(clients: 200, days: 365, seed: 42))
    /// Four times the usual fraud so every kind appears many times: for signature checks.
    static let dense = DemoRun(DemoConfig(clients: 150, days: 150, seed: 11, fraudRate: 0.03))
    /// Many clients over a few months, merchants compromised six times as often as by default: several of them.
    static let crowded = DemoRun(DemoConfig(clients: 1_000, days: 120, seed: 5, compromisedMerchantsPerYear: 30))
}

extension Transaction {
    var isFraud: Bool { label == 1 }
    var kind: DemoAnomalyKind? { labelKind.flatMap(DemoAnomalyKind.init(rawValue:)) }
    var isCardPresent: Bool { channel == .cardPresent }
    var dayIndex: Int { Int((instant - DemoConfig.defaultStart) / 86_400) }
    var secondOfDay: Int { Int(((instant % 86_400) + 86_400) % 86_400) }
}

/// Splits one client's time-ordered rows into incidents: rows closer than `gap` seconds belong together.
func clusters(_ rows: [Transaction], gap: Int64) -> [[Transaction]] {
    var result: [[Transaction]] = []
    for row in rows.sorted(by: { $0.instant < $1.instant }) {
        if let last = result.last?.last, row.instant - last.instant <= gap {
            result[result.count - 1].append(row)
        } else {
            result.append([row])
        }
    }
    return result
}
