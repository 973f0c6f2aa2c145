import Foundation
import GRDB

/// Why `vigil key rotate` did not rotate the key.
public enum KeyRotationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The trail does not verify under the current key: resealing it would vouch for what was changed.
    case trailNotIntact(String)

    public var description: String {
        switch self {
        case .trailNotIntact(let why):
            return "the audit trail does not verify under the current key (\(why)); the key was not rotated. "
                + "Run `vigil audit verify` to see what changed"
        }
    }
}

extension Store {
    /// Replaces the audit key (the card key stays: tokens can only be made from numbers the store no longer holds)
    /// and reseals the whole trail under the new one, once the trail verifies under the old. Returns the events
    /// resealed. Crash-safe by its order: the key file is first rewritten with the new audit key *and* the old one
    /// (`previousAuditKey`), which opens the store whether or not the resealing transaction committed; then the
    /// trail is resealed and the store's check value changed in one transaction; then the file drops the old key.
    /// This `Store` keeps the old key: open the store again to write to it.
    @discardableResult
    public func rotateAuditKey(at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Int {
        let old = try signer().key
        let next = StoreKey(cardKey: old.cardKey, auditKey: StoreKey.randomKey(), file: old.file, previousAuditKey: old.auditKey)
        try next.replace()
        let events: Int
        do {
            events = try pool.write { db in
                switch try Self.verifyTrail(db, key: old) {
                case .intact(let count):
                    try Self.resealAll(db, key: next)
                    try Self.setSetting("audit_key_check", next.auditCheck, db)
                    _ = try Self.chain(db, EventSigner(key: next, identity: identity), TriageEvent(
                        id: 0, alertID: 0, at: now, analyst: Self.systemAnalyst, action: Self.keyRotateAction,
                        fromStatus: nil, toStatus: nil, note: "the audit key was replaced and \(count) events resealed",
                        previousHash: "", hash: ""))
                    return count
                case .broken(let id, let reason): throw KeyRotationError.trailNotIntact("event #\(id): \(reason)")
                case .damaged(let problems): throw KeyRotationError.trailNotIntact(problems.first ?? "damaged")
                case .sealsUnchecked(_, let reason): throw KeyRotationError.trailNotIntact(reason)
                }
            }
        } catch {
            // Nothing committed: the file goes back to the old key alone (it would open the store as it is anyway).
            try? old.withoutPrevious.replace()
            throw error
        }
        try StoreKey(cardKey: next.cardKey, auditKey: next.auditKey, file: next.file).replace()
        return events
    }
}

extension StoreKey {
    /// The same key without a previous audit key.
    var withoutPrevious: StoreKey { StoreKey(cardKey: cardKey, auditKey: auditKey, file: file) }
}
