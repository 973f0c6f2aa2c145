import ArgumentParser
import VigilCore

extension Audit {
    struct Log: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "List the triage events of an alert, or the latest ones.")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: "Only this alert's events.")
        var alert: Int64?

        @Option(name: .long, help: "At most this many of the latest events (without --alert).")
        var limit: Int = 50

        func run() throws {
            let store = try storeOption.openExisting()
            let events = try alert.map { try store.triageEvents(ofAlert: $0) } ?? store.latestTriageEvents(limit: limit)
            for event in events {
                guard event.alertID != 0 else {
                    // A list change: what the entry was and became, with card numbers masked as everywhere.
                    var line = "#\(event.id) \(CivilTime.format(event.at)) \(event.analyst) \(event.action)"
                    line += ": " + [event.fromStatus, event.toStatus].compactMap { $0 }.joined(separator: " → ")
                    if let note = event.note { line += "; note: " + note }
                    let words = line.split(separator: " ", omittingEmptySubsequences: false).map { CardNumber.masked(String($0)) }
                    print(Sanitize.line(words.joined(separator: " ")))
                    continue
                }
                var line = "#\(event.id) \(CivilTime.format(event.at)) alert #\(event.alertID) \(event.analyst) \(event.action)"
                if let from = event.fromStatus, let to = event.toStatus { line += " \(from) → \(to)" }
                if let note = event.note { line += ": " + note }
                print(Sanitize.line(line))
            }
        }
    }
}
