import Foundation
import VigilStore

/// Where a test's store lives, and how it goes away.
public enum StoreFolder {
    /// Removes `directory` only once no connection to the store in it is open, so that a store made next in the
    /// process cannot share SQLite's record of a reused inode (see `Store.closeConnections`). When the fixture holds
    /// the last reference, the connections close now. Otherwise a screen's background reading still holds the store,
    /// and closing the connections under that read crashes inside SQLite: the folder goes when the last reference
    /// does (the store's connections close with it), looked for every 50 ms for a minute.
    public static func remove(_ directory: String, closing store: inout Store) {
        if isKnownUniquelyReferenced(&store) {
            try? store.closeConnections()
            try? FileManager.default.removeItem(atPath: directory)
            return
        }
        weak let watched = store
        DispatchQueue.global().async {
            for _ in 0..<1_200 where watched != nil { Thread.sleep(forTimeInterval: 0.05) }
            if watched == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
    }
}
