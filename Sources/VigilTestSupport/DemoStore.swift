import Foundation
import VigilDemo
import VigilStore

/// A demo store in a scratch directory, removed afterwards: for the test targets that need a small realistic store.
public final class DemoStore {
    public let directory = NSTemporaryDirectory() + "vigil-app-tests-" + UUID().uuidString
    public let store: Store

    public init(clients: Int = 40, days: Int = 90) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/demo.sqlite")
        let generator = try DemoGenerator(config: DemoConfig(clients: clients, days: days, seed: 11))
        _ = try store.appendGenerated(name: "demo", identity: "scan-tests") { sink in try generator.generate(sink) }
    }

    // Closed before its files go: see `Store.closeConnections()`.
    deinit {
        try? store.closeConnections()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
