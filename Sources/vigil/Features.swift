import ArgumentParser
import Foundation
import VigilCore
import VigilEngine

struct Features: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the feature matrix the detectors see, one row per transaction with its id and label.",
        discussion: """
            Columns: transaction_id, label (1 fraud, 0 legitimate, empty when unknown), then the features in the
            order the models use them. Rows are in (client, time) order. Another library run on this file sees
            exactly the detectors' input.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "The CSV file to write.")
    var out: String

    func run() throws {
        let store = try storeOption.openExisting()
        let output = try FeatureCSV.create(out)
        let progress = ProgressLine()
        let started = Date()
        let prior = try FeaturePipeline.prior(of: store)
        let set = try FeaturePipeline.load(store, prior: prior) { done in
            progress.update("features: \(Formatting.grouped(done)) transactions")
        }
        progress.update("writing \(out)")
        try FeatureCSV.write(set, to: output)
        try output.commit()
        progress.clear()
        print("\(Sanitize.line(out)): \(Formatting.grouped(set.count)) transactions × \(set.matrix.columnCount) features "
              + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
