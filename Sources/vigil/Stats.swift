import ArgumentParser
import Foundation
import VigilCore

struct Stats: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(abstract: "Counts of what a store holds.")

    @OptionGroup var storeOption: StoreOption

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let s = try storeOption.openExisting().stats()
        if json {
            var object: [String: Any] = [
                "store": s.path, "transactions": s.transactions, "clients": s.clients, "labelled_fraud": s.labelledFraud,
                "imports": s.imports, "rejected": s.rejected, "alerts": s.totalAlerts, "alerts_by_status": s.alertsByStatus,
                "total_minor_units_by_currency": s.totalMinorUnitsByCurrency,
            ]
            object["first_transaction"] = s.firstInstant.map { CivilTime.format($0) + "Z" } ?? NSNull()
            object["last_transaction"] = s.lastInstant.map { CivilTime.format($0) + "Z" } ?? NSNull()
            try Output.writeJSON(object)
            return
        }
        print("store           \(Sanitize.line(s.path))")
        print("transactions    \(Formatting.grouped(s.transactions))")
        print("clients         \(Formatting.grouped(s.clients))")
        print("labelled fraud  \(Formatting.grouped(s.labelledFraud))")
        print("imports         \(Formatting.grouped(s.imports))")
        print("rejected rows   \(Formatting.grouped(s.rejected))")
        if let first = s.firstInstant, let last = s.lastInstant {
            print("period          \(CivilTime.formatDate(first)) – \(CivilTime.formatDate(last)) (UTC)")
        }
        for (currency, total) in s.totalMinorUnitsByCurrency.sorted(by: { $0.key < $1.key }) {
            print("spend           \(Money(minorUnits: total, currency: currency).totalDescription)")
        }
        print("alerts          \(Formatting.grouped(s.totalAlerts))"
              + s.alertsByStatus.sorted(by: { $0.key < $1.key }).map { " \($0.key) \(Formatting.grouped($0.value))" }.joined(separator: ","))
    }
}
