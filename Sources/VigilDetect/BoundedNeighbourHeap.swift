/// The k best candidates seen so far in a nearest-neighbour search: a max-heap whose top is the worst of them, so a
/// new candidate is compared against one value and, when better, replaces it in O(log k).
///
/// Candidates are ordered by squared distance, then by row: ties at equal distance (duplicate points, grid data)
/// resolve to the lower row, so results never depend on the tree's shape or the order leaves are visited in.
/// Storage belongs to the caller, so one allocation serves every query a worker runs.
struct BoundedNeighbourHeap {
    let capacity: Int
    private(set) var count = 0
    private let squaredDistances: UnsafeMutablePointer<Double>
    private let rows: UnsafeMutablePointer<Int32>

    init(capacity: Int, squaredDistances: UnsafeMutablePointer<Double>, rows: UnsafeMutablePointer<Int32>) {
        precondition(capacity >= 1)
        self.capacity = capacity
        self.squaredDistances = squaredDistances
        self.rows = rows
    }

    /// Squared distance a candidate must not exceed to be considered; infinite until the heap is full.
    var worstSquaredDistance: Double {
        count < capacity ? .infinity : squaredDistances[0]
    }

    mutating func removeAll() { count = 0 }

    /// Keeps the candidate if it is among the k best so far.
    @inline(__always) mutating func offer(squaredDistance: Double, row: Int32) {
        if count < capacity {
            var child = count
            count += 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard isWorse(squaredDistance, row, than: parent) else { break }
                squaredDistances[child] = squaredDistances[parent]
                rows[child] = rows[parent]
                child = parent
            }
            squaredDistances[child] = squaredDistance
            rows[child] = row
        } else if squaredDistance < squaredDistances[0] || (squaredDistance == squaredDistances[0] && row < rows[0]) {
            siftDown(squaredDistance, row, limit: count)
        }
    }

    /// Empties the heap into `distances` and `neighbourRows`, nearest first; distances are square-rooted.
    mutating func drain(distances: UnsafeMutablePointer<Double>, neighbourRows: UnsafeMutablePointer<Int32>) {
        while count > 0 {
            let last = count - 1
            distances[last] = squaredDistances[0].squareRoot()
            neighbourRows[last] = rows[0]
            count = last
            if last > 0 { siftDown(squaredDistances[last], rows[last], limit: last) }
        }
    }

    /// Places the candidate at the root's slot and sinks it until the heap order holds over `0 ..< limit`.
    private mutating func siftDown(_ squaredDistance: Double, _ row: Int32, limit: Int) {
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < limit else { break }
            if child + 1 < limit && isWorse(squaredDistances[child + 1], rows[child + 1], than: child) { child += 1 }
            guard isWorse(squaredDistances[child], rows[child], thanCandidate: squaredDistance, row) else { break }
            squaredDistances[parent] = squaredDistances[child]
            rows[parent] = rows[child]
            parent = child
        }
        squaredDistances[parent] = squaredDistance
        rows[parent] = row
    }

    @inline(__always) private func isWorse(_ squaredDistance: Double, _ row: Int32, than slot: Int) -> Bool {
        isWorse(squaredDistance, row, thanCandidate: squaredDistances[slot], rows[slot])
    }

    @inline(__always) private func isWorse(_ squaredDistance: Double, _ row: Int32,
                                           thanCandidate otherDistance: Double, _ otherRow: Int32) -> Bool {
        squaredDistance > otherDistance || (squaredDistance == otherDistance && row > otherRow)
    }
}
