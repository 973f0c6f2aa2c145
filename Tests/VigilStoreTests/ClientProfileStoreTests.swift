import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
import VigilDetect
@testable import VigilStore

@Suite struct ClientProfileStoreTests {
    let scratch = ScratchDirectory()

    /// A store holding a small generated load, and the profiles of its clients.
    private func storeWithProfiles() throws -> (Store, [StoredProfile]) {
        let store = try scratch.store()
        _ = try store.appendGenerated(name: "demo", identity: "p") { sink in
            try DemoGenerator(config: DemoConfig(clients: 12, days: 40, seed: 3)).generate(sink)
        }
        var profiles: [ClientProfile] = []
        try store.forEachClientChunk { chunk in profiles += ClientProfile.profiles(of: chunk) }
        #expect(profiles.contains { !$0.places.isEmpty && $0.home != nil && !$0.usualMerchants.isEmpty })
        let stored = try profiles.map { profile in
            StoredProfile(clientID: profile.clientID, asOf: profile.asOf, transactions: profile.transactions,
                          json: try JSONEncoder().encode(profile))
        }
        return (store, stored)
    }

    @Test func anEmptyFileGetsTheProfilesTable() throws {
        let store = try scratch.store()
        #expect(try store.appliedMigrations().contains("v2-client-profiles"))
        let columns = try store.pool.read { db in try db.columns(in: "client_profiles").map(\.name) }
        #expect(columns == ["client_id", "as_of", "transactions", "profile", "updated_at"])
        #expect(try store.profileCount() == 0)
        #expect(try store.storedProfile(ofClient: "nobody") == nil)
    }

    @Test func savedProfilesLoadBackEqual() throws {
        let (store, profiles) = try storeWithProfiles()
        #expect(profiles.count == 12)
        try store.saveProfiles(profiles)
        #expect(try store.profileCount() == 12)
        for profile in profiles {
            #expect(try store.storedProfile(ofClient: profile.clientID) == profile)
        }
        let row = try #require(try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT as_of, transactions, profile FROM client_profiles WHERE client_id = ?",
                             arguments: [profiles[0].clientID])
        })
        #expect(row["as_of"] == profiles[0].asOf && row["transactions"] == profiles[0].transactions)
        let json: String = row["profile"]
        #expect(Data(json.utf8) == profiles[0].json, "the JSON is kept as given")
    }

    @Test func savingAgainReplacesAClientsProfile() throws {
        let (store, profiles) = try storeWithProfiles()
        try store.saveProfiles(profiles)
        var changed = profiles[3]
        changed.transactions += 1
        changed.asOf += 60
        changed.json = Data("{\"changed\":true}".utf8)
        try store.saveProfiles([changed])
        #expect(try store.profileCount() == 12)
        #expect(try store.storedProfile(ofClient: changed.clientID) == changed)
        #expect(try store.storedProfile(ofClient: profiles[4].clientID) == profiles[4])
        let transactions = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT transactions FROM client_profiles WHERE client_id = ?", arguments: [changed.clientID])
        }
        #expect(transactions == changed.transactions)
    }

    @Test func aProfileOfAnUnknownClientIsRefusedAndNothingOfTheCallIsKept() throws {
        let (store, profiles) = try storeWithProfiles()
        var stranger = profiles[0]
        stranger.clientID = "not a stored client"
        #expect(throws: DatabaseError.self) { try store.saveProfiles([profiles[1], stranger]) }
        #expect(try store.profileCount() == 0, "one transaction per call")
    }
}
