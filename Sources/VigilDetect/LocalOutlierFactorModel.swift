/// A fitted Local Outlier Factor: the reference rows' neighbourhood structure, which scores new rows (novelty mode),
/// and the reference rows' own factors (outlier-detection mode). See `LocalOutlierFactor` for the definitions.
public struct LocalOutlierFactorModel: Sendable {
    /// k actually used: the configured count, clipped to the number of reference rows minus one.
    public let neighbourCount: Int
    /// The index over the reference rows.
    public let tree: KDTree
    /// Each reference row's distance to its k-th nearest other reference row.
    public let kDistances: [Double]
    /// Each reference row's local reachability density.
    public let localReachabilityDensities: [Double]
    /// Each reference row's LOF among the reference rows: scikit-learn's `-negative_outlier_factor_`.
    public let referenceFactors: [Double]

    /// The LOF of each row of `queries` relative to the reference rows (novelty mode): its k nearest reference rows,
    /// their k-distances and densities. scikit-learn's `score_samples(queries)` with `novelty=True` is the negation.
    public func factors(_ queries: FeatureMatrix, parallelism: Parallelism = .automatic) -> [Double] {
        let neighbours = tree.nearestNeighbours(of: queries, count: neighbourCount, parallelism: parallelism)
        let densities = LocalOutlierFactor.localReachabilityDensities(of: neighbours, kDistances: kDistances,
                                                                      parallelism: parallelism)
        return LocalOutlierFactor.outlierFactors(of: neighbours, densities: densities,
                                                 referenceDensities: localReachabilityDensities,
                                                 parallelism: parallelism)
    }
}
