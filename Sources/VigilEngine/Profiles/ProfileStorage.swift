import Foundation
import VigilDetect
import VigilStore

extension Store {
    /// Saves the detectors' client profiles, as JSON with sorted keys so that the same profile is the same text.
    public func saveProfiles(_ profiles: [ClientProfile]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try saveProfiles(profiles.map { profile in
            StoredProfile(clientID: profile.clientID, asOf: profile.asOf, transactions: profile.transactions,
                          json: try encoder.encode(profile))
        })
    }

    /// The saved profile of a client, nil if none is saved.
    public func profile(ofClient id: String) throws -> ClientProfile? {
        guard let stored = try storedProfile(ofClient: id) else { return nil }
        return try JSONDecoder().decode(ClientProfile.self, from: stored.json)
    }
}
