import VigilEngine
import VigilStore

/// The alerts of one view of the queue with their sort keys in memory, so that the queue can order them by any
/// column at once, and take decided alerts out, without asking the store.
///
/// The order is the store's (`AlertQuery.order()`): the sort column, then score highest first, then id; text
/// columns compare as SQLite's BINARY collation does, byte by byte in UTF-8.
struct AlertView {
    private let columns: AlertSortColumns
    /// Text columns as ranks among their distinct values in byte order, so every comparison is of integers.
    private let clientRank: [Int32]
    private let merchantRank: [Int32]
    private let categoryRank: [Int32]
    private let statusRank: [Int32]
    private let reasonRank: [Int32]
    /// Each row's index by alert id, built when first needed (`prepareIndex`).
    private var index: [Int64: Int]?
    /// Rows taken out of the view since it was read; they keep their indices.
    private var gone: [Bool]
    /// Orders already computed (row indices, without the gone ones), by sort key and direction.
    private var orders: [OrderKey: [Int]] = [:]
    private(set) var sort: AlertQuery.SortKey
    private(set) var descending: Bool
    /// The alert ids in the current order.
    private(set) var ids: [Int64] = []

    private struct OrderKey: Hashable {
        var sort: AlertQuery.SortKey
        var descending: Bool
    }

    init(_ columns: AlertSortColumns, sort: AlertQuery.SortKey, descending: Bool) {
        self.columns = columns
        self.sort = sort
        self.descending = descending
        func ranks(_ values: [Int32], _ names: [String]) -> [Int32] {
            let order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
            var rankOfName = [Int32](repeating: 0, count: names.count)
            for (rank, name) in order.enumerated() { rankOfName[name] = Int32(rank) }
            return values.map { rankOfName[Int($0)] }
        }
        clientRank = ranks(columns.clients, columns.clientNames)
        merchantRank = ranks(columns.merchants, columns.merchantNames)
        categoryRank = ranks(columns.categories, columns.categoryNames)
        statusRank = ranks(columns.statuses, columns.statusNames)
        reasonRank = ranks(columns.reasons, columns.reasonNames)
        gone = Array(repeating: false, count: columns.count)
        reorder()
    }

    var count: Int { ids.count }

    /// Orders the view by `sort`, from memory; an order computed before is reused.
    mutating func sort(by sort: AlertQuery.SortKey, descending: Bool) {
        self.sort = sort
        self.descending = descending
        reorder()
    }

    /// Computes the order for `sort` ahead of need (the workbench calls it while the analyst reads).
    mutating func prepare(_ sort: AlertQuery.SortKey, descending: Bool) {
        let key = OrderKey(sort: sort, descending: descending)
        if orders[key] == nil { orders[key] = order(sort, descending: descending) }
    }

    /// Builds the id → row index that `remove` needs, ahead of need.
    mutating func prepareIndex() {
        if index == nil { index = Dictionary(columns.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    private mutating func reorder() {
        prepare(sort, descending: descending)
        let ids = columns.ids
        self.ids = orders[OrderKey(sort: sort, descending: descending)]!.map { ids[$0] }
    }

    /// The column `sort` compares, as integers (empty for score, which compares as itself).
    private func key(_ sort: AlertQuery.SortKey) -> [Int64] {
        switch sort {
        case .score: []
        case .time: columns.instants
        case .amount: columns.amounts
        case .client: clientRank.map(Int64.init)
        case .merchant: merchantRank.map(Int64.init)
        case .category: categoryRank.map(Int64.init)
        case .status: statusRank.map(Int64.init)
        case .reason: reasonRank.map(Int64.init)
        }
    }

    /// Whether row `a` comes before row `b`: the store's order.
    private static func precedes(_ a: Int, _ b: Int, key: [Int64], scores: [Double], ids: [Int64], score: Bool, descending: Bool) -> Bool {
        if score {
            if scores[a] != scores[b] { return descending ? scores[a] > scores[b] : scores[a] < scores[b] }
            return ids[a] < ids[b]
        }
        if key[a] != key[b] { return descending ? key[a] > key[b] : key[a] < key[b] }
        if scores[a] != scores[b] { return scores[a] > scores[b] }
        return ids[a] < ids[b]
    }

    private func order(_ sort: AlertQuery.SortKey, descending: Bool) -> [Int] {
        let (key, scores, ids) = (key(sort), columns.scores, columns.ids)
        let live = gone.indices.filter { !gone[$0] }
        return live.sorted { Self.precedes($0, $1, key: key, scores: scores, ids: ids, score: sort == .score, descending: descending) }
    }

    /// Puts alerts taken out earlier back in their place (their decision undone); false when one of them was never
    /// in this view, and the view must be read again.
    mutating func restore(_ returning: Set<Int64>) -> Bool {
        prepareIndex()
        let rows = returning.compactMap { index?[$0] }
        guard rows.count == returning.count else { return false }
        let current = OrderKey(sort: sort, descending: descending)
        guard var order = orders[current] else { return false }
        let (key, scores, ids) = (key(sort), columns.scores, columns.ids)
        for row in rows where gone[row] {
            gone[row] = false
            // Binary search for the first row that should come after it.
            var low = 0, high = order.count
            while low < high {
                let middle = (low + high) / 2
                if Self.precedes(order[middle], row, key: key, scores: scores, ids: ids, score: sort == .score, descending: descending) {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            order.insert(row, at: low)
        }
        orders.removeAll()
        orders[current] = order
        reorder()
        return true
    }

    /// Takes these alerts out of the view (decided into a status it does not show). The current order keeps its
    /// sequence without them, so nothing is sorted again; other orders are dropped, to be prepared again while
    /// the analyst reads.
    mutating func remove(_ leaving: Set<Int64>) {
        prepareIndex()
        var removed = false
        for id in leaving {
            if let row = index?[id], !gone[row] { gone[row] = true; removed = true }
        }
        guard removed else { return }
        let current = OrderKey(sort: sort, descending: descending)
        let gone = self.gone
        let order = orders[current]?.filter { !gone[$0] }
        orders.removeAll()
        orders[current] = order
        reorder()
    }
}
