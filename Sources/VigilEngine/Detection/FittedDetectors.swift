import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// The models a scan fitted and the scales it put their scores on, kept in the store so that later scans and live
/// scoring score with them unchanged: Isolation Forest's trees, LOF's reference rows (refitted on load, which is
/// deterministic), the LSTM's model id (the model itself is in `sequence_models`), each model's fitted scores for
/// its `TailScale`, and the population prior the features and rules were computed against.
///
/// A scan reuses them while its settings match (`fingerprint`) and `--retrain` is not given; a transaction then gets
/// the same scores whether a scan or live scoring judges it.
struct FittedDetectors {
    var storedID: Int64?
    var fingerprint: String
    var throughTransaction: Int64
    var prior: PopulationPrior
    var currency: String
    var isolation: IsolationForestModel?
    var lof: FittedLOF?
    var sequenceModelID: Int64?
    var scales: [Detector: TailScale] = [:]
    /// The share of its configured weight each detector earned on the scan that fitted these (`EarnedWeights`).
    var shares: [Detector: Double] = [:]

    /// `config`'s ensemble with the earned shares applied: what scans and live scoring with these detectors weigh by.
    func ensemble(_ config: VigilConfig) -> Ensemble {
        EarnedWeights.applying(shares, to: config.ensemble)
    }

    /// The settings a fit depends on, as JSON.
    static func fingerprint(_ config: VigilConfig) -> String {
        let object: [String: Any] = [
            "features": TransactionFeature.names.joined(separator: ","), "seed": config.seed, "trees": config.treeCount,
            "max_samples": config.maxSamples, "neighbours": config.neighbourCount,
            "lof_reference_limit": config.lofReferenceLimit, "model_tail": config.modelTail,
            "prior": PopulationPrior.version,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The store's newest fitted detectors when their settings are those of `config` (what a scan may reuse); nil
    /// otherwise.
    static func load(_ store: Store, config: VigilConfig) throws -> FittedDetectors? {
        guard let stored = try store.latestFittedModels(), stored.fingerprint == fingerprint(config) else { return nil }
        return try FittedDetectors(stored, neighbours: config.neighbourCount)
    }

    /// The store's newest fitted detectors, whatever settings fitted them (what live scoring uses); nil before any.
    static func latest(_ store: Store) throws -> FittedDetectors? {
        guard let stored = try store.latestFittedModels() else { return nil }
        let settings = (try? JSONSerialization.jsonObject(with: Data(stored.fingerprint.utf8))) as? [String: Any]
        let neighbours = (settings?["neighbours"] as? Int) ?? VigilConfig().neighbourCount
        return try FittedDetectors(stored, neighbours: neighbours)
    }

    init(fingerprint: String, throughTransaction: Int64, prior: PopulationPrior, currency: String) {
        self.fingerprint = fingerprint
        self.throughTransaction = throughTransaction
        self.prior = prior
        self.currency = currency
    }

    init(_ stored: StoredFittedModels, neighbours: Int) throws {
        storedID = stored.id
        fingerprint = stored.fingerprint
        throughTransaction = stored.throughTransaction
        prior = try JSONDecoder().decode(PopulationPrior.self, from: Data(stored.prior.utf8))
        currency = stored.currency
        if let data = stored.parts[Part.isolationForest] { isolation = try IsolationForestModel(encoded: data) }
        if let idData = stored.parts[Part.lofIDs], let rowData = stored.parts[Part.lofReference] {
            guard let ids = BinaryArrays.integers(idData, as: Int64.self), let values = BinaryArrays.floats(rowData),
                  !ids.isEmpty, values.count == ids.count * FeatureExtractor.columnCount else {
                throw ModelDecodingError("the stored LOF reference is malformed")
            }
            lof = FittedLOF(referenceIDs: ids, reference: FeatureMatrix(rowCount: ids.count, columnCount: FeatureExtractor.columnCount,
                                                                         values: values), neighbours: neighbours)
        }
        if let data = stored.parts[Part.sequenceModel], let id = BinaryArrays.integers(data, as: Int64.self)?.first {
            sequenceModelID = id
        }
        if let data = stored.parts[Part.shares],
           let named = try? JSONDecoder().decode([String: Double].self, from: data) {
            for (name, share) in named { if let detector = Detector(rawValue: name) { shares[detector] = share } }
        }
        for detector in Detector.models {
            guard let data = stored.parts[Part.scale(detector)], let values = BinaryArrays.doubles(data), let tail = values.first else { continue }
            scales[detector] = TailScale(sortedScores: Array(values.dropFirst()), tail: tail)
        }
    }

    enum Part {
        static let isolationForest = "isolation_forest"
        static let lofIDs = "lof.reference_ids"
        static let lofReference = "lof.reference"
        static let sequenceModel = "lstm.model_id"
        static let shares = "ensemble.earned_shares"
        static func scale(_ detector: Detector) -> String { "scale.\(detector.rawValue)" }
    }

    /// What the store keeps.
    func stored(createdAt: Int64) throws -> StoredFittedModels {
        var parts: [String: Data] = [:]
        if let isolation { parts[Part.isolationForest] = isolation.encoded() }
        if let lof {
            parts[Part.lofIDs] = BinaryArrays.data(lof.referenceIDs)
            parts[Part.lofReference] = BinaryArrays.data(lof.reference.values)
        }
        if let sequenceModelID { parts[Part.sequenceModel] = BinaryArrays.data([sequenceModelID]) }
        if !shares.isEmpty {
            parts[Part.shares] = try JSONEncoder.sorted.encode(Dictionary(uniqueKeysWithValues: shares.map { ($0.key.rawValue, $0.value) }))
        }
        for (detector, scale) in scales { parts[Part.scale(detector)] = BinaryArrays.data([scale.tail] + scale.fittedScores) }
        let prior = String(decoding: try JSONEncoder.sorted.encode(self.prior), as: UTF8.self)
        return StoredFittedModels(createdAt: createdAt, fingerprint: fingerprint, throughTransaction: throughTransaction,
                                  prior: prior, currency: currency, parts: parts)
    }

    /// The fitted model's raw scores of `matrix` (rows of transactions `ids`); nil when this detector is not fitted.
    func rawScores(_ detector: Detector, matrix: FeatureMatrix, ids: [Int64]) -> [Double]? {
        switch detector {
        case .isolationForest: return isolation?.scores(matrix)
        case .localOutlierFactor: return lof?.factors(matrix, ids: ids)
        default: return nil
        }
    }
}

/// LOF as fitted: the reference rows (as extracted, before standardising) and the transactions they are, the
/// scaler and model fitted on them, and each reference transaction's own factor.
struct FittedLOF: Sendable {
    let referenceIDs: [Int64]
    let reference: FeatureMatrix
    let scaler: Standardizer
    let model: LocalOutlierFactorModel
    let factorByID: [Int64: Double]

    init(referenceIDs: [Int64], reference: FeatureMatrix, neighbours: Int) {
        let scaler = Standardizer(fitting: reference)
        let model = LocalOutlierFactor.fit(scaler.transform(reference), .init(neighbourCount: neighbours))
        self.init(referenceIDs: referenceIDs, reference: reference, scaler: scaler, model: model)
    }

    init(referenceIDs: [Int64], reference: FeatureMatrix, scaler: Standardizer, model: LocalOutlierFactorModel) {
        self.referenceIDs = referenceIDs
        self.reference = reference
        self.scaler = scaler
        self.model = model
        factorByID = Dictionary(zip(referenceIDs, model.referenceFactors), uniquingKeysWith: { first, _ in first })
    }

    /// Each row's factor: a reference transaction's own (outlier mode), any other's against the reference (novelty
    /// mode), as the fitting scan gave them.
    func factors(_ matrix: FeatureMatrix, ids: [Int64], parallelism: Parallelism = .automatic) -> [Double] {
        var novel: [Int] = []
        var factors = [Double](repeating: 0, count: ids.count)
        for (row, id) in ids.enumerated() {
            if let own = factorByID[id] { factors[row] = own } else { novel.append(row) }
        }
        guard !novel.isEmpty else { return factors }
        let scored = model.factors(scaler.transform(novel.count == ids.count ? matrix : matrix.rows(novel)), parallelism: parallelism)
        for (position, row) in novel.enumerated() { factors[row] = scored[position] }
        return factors
    }
}
