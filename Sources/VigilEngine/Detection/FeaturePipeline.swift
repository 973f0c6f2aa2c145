import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// Features for every transaction of a store: the prior estimated from a sample, then the store streamed client
/// by client through the extractor.
public enum FeaturePipeline {
    /// About this many transactions make the population prior.
    public static let priorSampleSize = 100_000

    /// The population prior of a store, from a deterministic sample (every k-th row id).
    public static func prior(of store: Store) throws -> PopulationPrior {
        try prior(of: store, transactionCount: try store.transactionCount())
    }

    /// The same, for a store whose transactions have just been counted.
    static func prior(of store: Store, transactionCount total: Int) throws -> PopulationPrior {
        PopulationPrior.estimate(from: try store.transactionSample(every: max(1, total / priorSampleSize)))
    }

    /// Feature rows for every transaction, in (client, time) order; `progress` gets the rows done so far.
    public static func load(_ store: Store, prior: PopulationPrior,
                            progress: ((Int) -> Void)? = nil) throws -> FeatureSet {
        let extractor = FeatureExtractor(prior: prior)
        var set = FeatureSet.empty
        try store.forEachClientChunk { chunk in
            set.append(FeatureSet(matrix: extractor.features(of: chunk), ids: chunk.ids, labels: chunk.labels))
            progress?(set.count)
        }
        return set
    }
}

/// Writes a feature set as CSV: `transaction_id,label,` then the feature names; an unknown label is left empty.
/// Values are written in their shortest exact form, so another library reads exactly the matrix the models saw.
public enum FeatureCSV {
    /// Starts the file at `path` for `write` through `PrivateFile` (mode 0600, put in place whole by `commit()`, never
    /// written through a link) like everything else Vigil writes from the store's data. Start it before computing the
    /// features, so that a bad path fails at once, naming the file and why.
    public static func create(_ path: String) throws -> PrivateFile.Writer {
        try PrivateFile.create(path)
    }

    /// Every cell is a number Vigil formatted (`CSVCell.number`): nothing here can start a formula.
    public static func write(_ set: FeatureSet, to file: PrivateFile.Writer) throws {
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        buffer += (["transaction_id", "label"] + TransactionFeature.names).joined(separator: ",") + "\n"
        let width = set.matrix.columnCount
        for row in 0..<set.count {
            buffer += String(set.ids[row])
            buffer += set.labels[row] < 0 ? "," : (set.labels[row] == 1 ? ",1" : ",0")
            for column in 0..<width {
                buffer += ","
                buffer += set.matrix.values[row * width + column].description
            }
            buffer += "\n"
            if buffer.utf8.count >= 1 << 20 {
                try file.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
    }
}
