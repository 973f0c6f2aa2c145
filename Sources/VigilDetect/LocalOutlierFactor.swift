/// Local Outlier Factor (Breunig et al. 2000) with scikit-learn's exact definitions, Euclidean metric.
///
/// For a point a with k nearest neighbours N(a):
/// - k-distance(b) is the distance from b to its k-th nearest neighbour;
/// - reach(a, b) = max(k-distance(b), d(a, b)) smooths distances inside dense clusters;
/// - lrd(a) = 1 / (mean over b ∈ N(a) of reach(a, b) + 1e-10), the local reachability density (the 1e-10 is
///   scikit-learn's guard against division by zero when a has ≥ k duplicates);
/// - LOF(a) = mean over b ∈ N(a) of lrd(b) / lrd(a): about 1 inside a cluster, well above 1 for an outlier.
///
/// Two modes, as scikit-learn's `LocalOutlierFactor`:
/// - outlier detection: `fit(reference)` gives every reference row's factor in `referenceFactors`. A point's
///   neighbours exclude the point itself by row but include other rows with identical values, at distance 0. This
///   equals scikit-learn's `-negative_outlier_factor_`.
/// - novelty: `model.factors(queries)` scores new rows against the reference rows' neighbourhoods, k-distances and
///   densities, none of which the new rows change. This equals scikit-learn's `-score_samples(queries)` with
///   `novelty=True`. Scoring the reference rows this way is not the same as `referenceFactors`: each would then count
///   itself among its own neighbours.
///
/// scikit-learn's `negative_outlier_factor_` and `score_samples` are the negated factors (higher = more normal); here
/// factors are positive and higher means more suspicious.
///
/// Neighbours come from a `KDTree`; equal distances resolve to the lower row.
public enum LocalOutlierFactor {
    public struct Configuration: Sendable, Hashable {
        /// k, scikit-learn's `n_neighbors`; clipped to the number of reference rows minus one.
        public var neighbourCount: Int
        /// The k-d tree's leaf size; it affects speed only, never the result.
        public var leafSize: Int
        /// Threads for the neighbour queries; results do not depend on it.
        public var parallelism: Parallelism

        public init(neighbourCount: Int = 20, leafSize: Int = 128, parallelism: Parallelism = .automatic) {
            precondition(neighbourCount >= 1, "LOF needs at least one neighbour")
            self.neighbourCount = neighbourCount
            self.leafSize = leafSize
            self.parallelism = parallelism
        }
    }

    /// Fits on `reference` (at least two rows, finite values) and computes every reference row's factor.
    public static func fit(_ reference: FeatureMatrix,
                           _ configuration: Configuration = .init()) -> LocalOutlierFactorModel {
        fit(reference, configuration, stoppingWhen: nil)!
    }

    /// As `fit(_:_:)`, for a fit long enough that a caller may want to stop it: `shouldStop` is asked from the worker
    /// threads before each batch of 512 neighbour queries, and once it answers true (it must then stay true) the fit
    /// ends early and throws `CancellationError`. Results are those of `fit(_:_:)` otherwise.
    public static func fit(_ reference: FeatureMatrix, _ configuration: Configuration = .init(),
                           shouldStop: @escaping @Sendable () -> Bool) throws(CancellationError) -> LocalOutlierFactorModel {
        guard !shouldStop(), let model = fit(reference, configuration, stoppingWhen: shouldStop) else {
            throw CancellationError()
        }
        return model
    }

    /// The fit, or nil when `shouldStop` answered true along the way.
    private static func fit(_ reference: FeatureMatrix, _ configuration: Configuration,
                            stoppingWhen shouldStop: (@Sendable () -> Bool)?) -> LocalOutlierFactorModel? {
        precondition(reference.rowCount >= 2, "LOF needs at least two rows, got \(reference.rowCount)")
        let neighbourCount = min(configuration.neighbourCount, reference.rowCount - 1)
        let tree = KDTree(reference, leafSize: configuration.leafSize, parallelism: configuration.parallelism)
        let neighbours = tree.nearestNeighboursOfIndexedPoints(count: neighbourCount,
                                                               parallelism: configuration.parallelism,
                                                               shouldStop: shouldStop)
        // A stop is final, so a batch skipped above shows here.
        if let shouldStop, shouldStop() { return nil }
        let kDistances = (0 ..< reference.rowCount).map {
            neighbours.distances[($0 + 1) * neighbourCount - 1]
        }
        let densities = localReachabilityDensities(of: neighbours, kDistances: kDistances,
                                                   parallelism: configuration.parallelism)
        let factors = outlierFactors(of: neighbours, densities: densities, referenceDensities: densities,
                                     parallelism: configuration.parallelism)
        return LocalOutlierFactorModel(neighbourCount: neighbourCount, tree: tree, kDistances: kDistances,
                                       localReachabilityDensities: densities, referenceFactors: factors)
    }

    /// lrd of each query of `neighbours`, whose rows index points with k-distances `kDistances`.
    static func localReachabilityDensities(of neighbours: NeighbourTable, kDistances: [Double],
                                           parallelism: Parallelism) -> [Double] {
        let k = neighbours.neighbourCount
        return parallelism.map(count: neighbours.queryCount) { query in
            var reachabilitySum = 0.0
            for slot in query * k ..< (query + 1) * k {
                reachabilitySum += max(kDistances[Int(neighbours.rows[slot])], neighbours.distances[slot])
            }
            return 1 / (reachabilitySum / Double(k) + 1e-10)
        }
    }

    /// LOF of each query of `neighbours`, given the queries' own densities and those of the points the neighbour
    /// rows index. Averages the ratios rather than dividing the average, in scikit-learn's order of operations.
    static func outlierFactors(of neighbours: NeighbourTable, densities: [Double], referenceDensities: [Double],
                               parallelism: Parallelism) -> [Double] {
        let k = neighbours.neighbourCount
        return parallelism.map(count: neighbours.queryCount) { query in
            var ratioSum = 0.0
            for slot in query * k ..< (query + 1) * k {
                ratioSum += referenceDensities[Int(neighbours.rows[slot])] / densities[query]
            }
            return ratioSum / Double(k)
        }
    }
}
