import Foundation
import VigilCore
import VigilStore

/// A store where the answer is known: 40 cards shop daily at four grocers (card % 4); cards C00…C09 each use the
/// skimmed "Fuel 9" on day 10 + i and make their first fraud at a web shop of their own ("Web i") on day 25 + i, which
/// a chargeback feed reports at 06:00 on day 27 + i (the fraud rows are labelled too). C20 and C21 use Fuel 9 on days
/// 15 and 18 with no fraud, C23 on day 22, and C22 on day 40, long after.
public final class SkimmedStore {
    public static let day0: Int64 = 19_723 * 86_400  // 2024-01-01
    public let directory = NSTemporaryDirectory() + "vigil-cpp-" + UUID().uuidString
    public private(set) var store: Store

    public static func day(_ d: Int, hour: Int64 = 12) -> Int64 { day0 + Int64(d) * 86_400 + hour * 3_600 }
    /// Card C`i`'s number (16 digits, so that it is shown masked: 411111******0007).
    public static func card(_ i: Int) -> String { String(format: "41111100000000%02d", i) }

    public init(feed: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/s.sqlite")
        var rows: [Transaction] = []
        func visit(_ card: Int, _ merchant: String, _ instant: Int64, fraud: Bool = false) {
            rows.append(Transaction(sourceKey: "\(Self.card(card))-\(merchant)-\(instant)", clientID: Self.card(card), instant: instant,
                                    originalTime: "t", amount: Money(minorUnits: 2_500), merchant: merchant, category: "misc",
                                    label: fraud ? 1 : 0))
        }
        for card in 0..<40 {
            for d in 0..<60 { visit(card, "Grocer \(card % 4)", Self.day(d, hour: 9)) }
        }
        for i in 0..<10 {
            visit(i, "Fuel 9", Self.day(10 + i))
            visit(i, "Web \(i)", Self.day(25 + i, hour: 20), fraud: true)
        }
        for (card, d) in [(20, 15), (21, 18), (23, 22), (22, 40)] { visit(card, "Fuel 9", Self.day(d)) }
        _ = try store.appendGenerated(name: "skimmed", identity: "skimmed") { sink in try sink(rows) }
        guard feed else { return }
        let records = try (0..<10).map { i in
            guard let activity = try store.clientActivity(clientID: Self.card(i)), let row = activity.merchants.firstIndex(of: "Web \(i)")
            else { throw CocoaError(.coderValueNotFound) }
            return OutcomeRecord(transactionID: activity.ids[row], outcome: .fraud, knownAt: Self.day(27 + i, hour: 6))
        }
        try store.recordOutcomes(records, feed: "chargebacks")
    }

    deinit { StoreFolder.remove(directory, closing: &store) }
}
