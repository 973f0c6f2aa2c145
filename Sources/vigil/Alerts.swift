import ArgumentParser
import Foundation
import VigilCore
import VigilStore

struct Alerts: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the alert queue, highest score first, with every alert's reasons.")

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "Show at most this many alerts.")
    var limit: Int = 20

    @Option(name: .long, help: "Alerts of this status: open, confirmed_fraud, false_positive, escalated, needs_info, or all.")
    var status: String = "open"

    @Flag(name: .long, help: "Print a JSON array.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Only this client's alerts: its id as shown, or a card's full number (looked up by its token).", valueName: "CLIENT"))
    var client: String?

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        guard status == "all" || AlertStatus(rawValue: status) != nil else {
            throw ValidationError("unknown status '\(Sanitize.line(status))'; choose from \((AlertStatus.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))")
        }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let alerts = try store.alerts(limit: limit, status: status == "all" ? nil : AlertStatus(rawValue: status), clientID: client)
        if json {
            let sourceKeys = try store.sourceKeys(of: alerts.map(\.transactionID))
            let objects: [[String: Any]] = alerts.map { a in
                [
                    // The id the transaction has in the file it came from, to join with other tools; a part of it
                    // that is a card number (the card export's ids hold one) is masked.
                    "source_id": sourceKeys[a.transactionID].map(CardNumber.maskingParts) as Any? ?? NSNull(),
                    "id": a.id, "transaction_id": a.transactionID, "client": a.clientID,
                    "time": CivilTime.format(a.instant), "amount_minor": a.amountMinor, "currency": a.currency,
                    "merchant": a.merchant, "category": a.category, "score": a.score, "status": a.status,
                    "assignee": a.assignee as Any? ?? NSNull(),
                    "reasons": a.reasons.map { ["detector": $0.detector, "score": $0.score, "contribution": $0.contribution, "text": $0.text] },
                ]
            }
            try Output.writeJSON(objects)
            return
        }
        guard !alerts.isEmpty else {
            let counts = try store.alertCounts()
            print(counts.isEmpty ? "no alerts yet; run `vigil scan --store \(Sanitize.line(store.path))`"
                                 : "no \(status == "all" ? "" : status + " ")alerts (\(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
            return
        }
        for a in alerts {
            let head = "#\(a.id)  " + String(format: "%.3f", a.score) + "  \(CivilTime.format(a.instant))  "
                + "\(Money(minorUnits: a.amountMinor, currency: a.currency))  client \(a.clientID)  \(Formatting.merchant(a.merchant, category: a.category))"
                + (a.status == "open" ? "" : "  [\(a.status)]")
            print(Sanitize.line(head))
            for reason in a.reasons {
                print("    " + Sanitize.line(String(format: "+%.2f ", reason.contribution) + reason.text))
            }
        }
    }
}
