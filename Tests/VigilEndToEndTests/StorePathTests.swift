import Foundation
import Testing

/// Which store a command works on: --store, else $VIGIL_STORE (when not empty), else ./vigil.sqlite; `demo` keeps
/// its own default, the demo store, and does not read $VIGIL_STORE.
@Suite struct StorePathTests {
    let scratch = Scratch()

    private func sample() throws -> String {
        let csv = scratch.path + "/two.csv"
        try "client,time,amount\nC1,2024-01-01 10:00:00,5\nC2,2024-01-01 11:00:00,6\n".write(toFile: csv, atomically: true, encoding: .utf8)
        return csv
    }

    private func storeNamedByStats(_ arguments: [String], environment: [String: String]) throws -> String? {
        let stats = try Harness.run(["stats", "--json"] + arguments, environment: environment)
        #expect(stats.status == 0, "\(stats.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        return object?["store"] as? String
    }

    @Test func theOptionWinsOverTheEnvironment() throws {
        let fromEnvironment = scratch.path + "/env.sqlite"
        let named = scratch.path + "/named.sqlite"
        let environment = ["VIGIL_STORE": fromEnvironment]
        #expect(try Harness.run(["import", try sample()], environment: environment).status == 0)
        #expect(FileManager.default.fileExists(atPath: fromEnvironment))
        #expect(try storeNamedByStats([], environment: environment) == fromEnvironment)
        let refused = try Harness.run(["stats", "--store", named], environment: environment)
        #expect(refused.status == 64)
        #expect(refused.stderr.split(separator: "\n").first
                == "Error: no store at \(named); create one with `vigil import FILE --store \(named)` or `vigil demo --store \(named)`",
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: named), "a read-only command never creates a store")
    }

    @Test func anEmptyEnvironmentVariableMeansTheWorkingDirectory() throws {
        let csv = try sample()
        let output = try Harness.shell("cd \(scratch.path) && VIGIL_STORE= \(Harness.binary) import \(csv) && VIGIL_STORE= \(Harness.binary) stats")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/vigil.sqlite"), "\(output)")
        #expect(output.contains("store           vigil.sqlite\n"), "\(output)")
    }

    @Test func demoIgnoresTheEnvironmentAndFillsTheDemoStore() throws {
        let elsewhere = scratch.path + "/env.sqlite"
        let data = scratch.path + "/data"
        let demo = try Harness.run(["demo", "--clients", "3", "--days", "5"], environment: ["VIGIL_STORE": elsewhere, "XDG_DATA_HOME": data])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.hasPrefix(data + "/vigil/demo.sqlite: generated "), "\(demo.stdout)")
        #expect(FileManager.default.fileExists(atPath: data + "/vigil/demo.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: elsewhere))
    }
}
