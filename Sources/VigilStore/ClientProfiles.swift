import Foundation
import GRDB

/// A client's behaviour profile as the store keeps it: the detectors' JSON, the instant it describes and how many
/// transactions it was built from. The store does not read the JSON, so it need not know the detectors.
public struct StoredProfile: Sendable, Equatable {
    public var clientID: String
    public var asOf: Int64
    public var transactions: Int
    public var json: Data

    public init(clientID: String, asOf: Int64, transactions: Int, json: Data) {
        self.clientID = clientID
        self.asOf = asOf
        self.transactions = transactions
        self.json = json
    }
}

extension Store {
    /// Saves client profiles, replacing any earlier profile of the same clients, in one transaction. Each profile's
    /// client must be stored.
    public func saveProfiles(_ profiles: [StoredProfile]) throws {
        guard !profiles.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970)
        try pool.write { db in
            let statement = try RawStatement(db, sql: """
                INSERT INTO client_profiles (client_id, as_of, transactions, profile, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (client_id) DO UPDATE SET
                    as_of = excluded.as_of, transactions = excluded.transactions, profile = excluded.profile,
                    updated_at = excluded.updated_at
                """)
            for profile in profiles {
                statement.reset()
                statement.bindText(copying: profile.clientID, at: 1)
                statement.bind(profile.asOf, at: 2)
                statement.bind(Int64(profile.transactions), at: 3)
                profile.json.withUnsafeBytes { statement.bindText(copying: $0, at: 4) }
                statement.bind(now, at: 5)
                try statement.execute()
            }
        }
    }

    /// The saved profile of a client, nil if none is saved.
    public func storedProfile(ofClient id: String) throws -> StoredProfile? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT as_of, transactions, profile FROM client_profiles WHERE client_id = ?",
                             arguments: [id]).map { row in
                let json: String = row["profile"]
                return StoredProfile(clientID: id, asOf: row["as_of"], transactions: row["transactions"],
                                     json: Data(json.utf8))
            }
        }
    }

    /// How many clients have a saved profile.
    public func profileCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM client_profiles") ?? 0 }
    }
}
