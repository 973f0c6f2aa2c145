import Foundation

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
    /// The reference rows laid out for brute-force screening of new queries, where that beats the tree (see `search`).
    let tiles: PointTiles?
    /// How `factors` finds new rows' neighbours; the neighbours, and so the factors, do not depend on it.
    public var search: NeighbourSearch

    /// How neighbours of new rows are found. Both find exactly the same neighbours; they differ in speed only.
    public enum NeighbourSearch: String, Sendable, CaseIterable {
        /// The k-d tree's branch-and-bound search.
        case tree
        /// Every reference row screened, four queries at a time (`PointTiles`); needs the AVX2 kernel.
        case tiles

        /// Tiles where the AVX2 kernel runs and there are at least 8 features (where a k-d tree prunes little),
        /// else the tree. `VIGIL_LOF_SEARCH=tree` or `tiles` chooses, for benchmarks.
        static func preferred(dimension: Int) -> NeighbourSearch {
            guard LeafScan.preferred == .avx2 else { return .tree }
            if let name = ProcessInfo.processInfo.environment["VIGIL_LOF_SEARCH"], let chosen = NeighbourSearch(rawValue: name) {
                return chosen
            }
            return dimension >= 8 ? .tiles : .tree
        }
    }

    init(neighbourCount: Int, tree: KDTree, kDistances: [Double], localReachabilityDensities: [Double],
         referenceFactors: [Double]) {
        self.neighbourCount = neighbourCount
        self.tree = tree
        self.kDistances = kDistances
        self.localReachabilityDensities = localReachabilityDensities
        self.referenceFactors = referenceFactors
        search = NeighbourSearch.preferred(dimension: tree.dimension)
        // Laid out only where they serve by default (`preferred` already asks for the AVX2 kernel); a model whose
        // `search` is set to `.tiles` later without them answers through the tree, with the same neighbours.
        tiles = search == .tiles ? PointTiles(tree) : nil
    }

    /// The k nearest reference rows of each row of `queries`, by `search` where it can serve.
    func neighbours(of queries: FeatureMatrix, parallelism: Parallelism) -> NeighbourTable {
        if search == .tiles, let tiles, queries.rowCount > 1, PointTiles.accepts(queries) {
            return tiles.nearestNeighbours(of: queries, count: neighbourCount, tree: tree, parallelism: parallelism)
        }
        return tree.nearestNeighbours(of: queries, count: neighbourCount, parallelism: parallelism)
    }

    /// The LOF of each row of `queries` relative to the reference rows (novelty mode): its k nearest reference rows,
    /// their k-distances and densities. scikit-learn's `score_samples(queries)` with `novelty=True` is the negation.
    public func factors(_ queries: FeatureMatrix, parallelism: Parallelism = .automatic) -> [Double] {
        let neighbours = neighbours(of: queries, parallelism: parallelism)
        let densities = LocalOutlierFactor.localReachabilityDensities(of: neighbours, kDistances: kDistances,
                                                                      parallelism: parallelism)
        return LocalOutlierFactor.outlierFactors(of: neighbours, densities: densities,
                                                 referenceDensities: localReachabilityDensities,
                                                 parallelism: parallelism)
    }
}
