import Foundation
import GRDB

/// What a listed analyst may do: an analyst decides; a reviewer may look but not decide (the workbench answers its
/// decision keys with a message, and every write under its name is refused).
public enum AnalystRole: String, Sendable, CaseIterable {
    case analyst
    case reviewer
}

/// One entry of the store's analysts list: the name may be used only by the operating-system user `osUser`.
public struct ListedAnalyst: Sendable, Equatable {
    public var name: String
    public var osUser: String
    public var role: AnalystRole
    public var addedAt: Int64
    public var addedBy: String
}

public enum AnalystListError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyListed(name: String, osUser: String)
    case notListed(name: String)

    public var description: String {
        switch self {
        case .alreadyListed(let name, let osUser):
            return "\(name) is already listed (for operating-system user \(osUser)); remove it first to change it; nothing was changed"
        case .notListed(let name): return "\(name) is not in the analysts list; nothing was changed"
        }
    }
}

extension Store {
    static let analystAddAction = "analyst add"
    static let analystRemoveAction = "analyst remove"

    /// The analysts list, by name. Empty: any name may be used (as before lists existed).
    public func analysts() throws -> [ListedAnalyst] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM analysts ORDER BY name").map {
                ListedAnalyst(name: $0["name"], osUser: $0["os_user"], role: AnalystRole(rawValue: $0["role"]) ?? .reviewer,
                              addedAt: $0["added_at"], addedBy: $0["added_by"])
            }
        }
    }

    /// Why this store will not record decisions under `analyst` from this process, in words, or nil when it will:
    /// what the workbench shows on a decision key instead of trying (the store refuses the same in `chain`).
    public func cannotDecide(as analyst: String) throws -> String? {
        if isReadOnly { return "the store is open read-only: nothing can be decided" }
        if key == nil { return "the store's key file \(keyFile) is missing or not its own: nothing can be decided" }
        return try pool.read { db in
            do { try Self.checkAnalyst(db, analyst, identity) } catch let error as TriageError {
                if case .analystRefused(_, _, let reason) = error { return reason + ": nothing can be decided" }
                throw error
            }
            return nil
        }
    }

    /// Lists `name` for operating-system user `osUser`, with its audit event by `analyst`. The event is recorded
    /// first, so the first entry may be added by anyone and every later change only by a listed analyst.
    public func addAnalyst(_ name: String, osUser: String, role: AnalystRole = .analyst, by analyst: String,
                           at now: Int64 = Int64(Date().timeIntervalSince1970)) throws {
        let signer = try signer()
        try pool.write { db in
            if let listed = try String.fetchOne(db, sql: "SELECT os_user FROM analysts WHERE name = ?", arguments: [name]) {
                throw AnalystListError.alreadyListed(name: name, osUser: listed)
            }
            _ = try Self.chain(db, signer, TriageEvent(id: 0, alertID: 0, at: now, analyst: analyst, action: Self.analystAddAction,
                                                       fromStatus: nil, toStatus: Self.analystSummary(name, osUser, role),
                                                       note: nil, previousHash: "", hash: ""))
            try db.execute(sql: "INSERT INTO analysts (name, os_user, role, added_at, added_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, osUser, role.rawValue, now, analyst])
        }
    }

    /// Takes `name` off the list, with its audit event by `analyst` (who must be listed, as for any event).
    public func removeAnalyst(_ name: String, by analyst: String, at now: Int64 = Int64(Date().timeIntervalSince1970)) throws {
        let signer = try signer()
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT os_user, role FROM analysts WHERE name = ?", arguments: [name]) else {
                throw AnalystListError.notListed(name: name)
            }
            _ = try Self.chain(db, signer, TriageEvent(
                id: 0, alertID: 0, at: now, analyst: analyst, action: Self.analystRemoveAction,
                fromStatus: Self.analystSummary(name, row["os_user"], AnalystRole(rawValue: row["role"]) ?? .reviewer),
                toStatus: nil, note: nil, previousHash: "", hash: ""))
            try db.execute(sql: "DELETE FROM analysts WHERE name = ?", arguments: [name])
        }
    }

    /// An entry as its audit event says it: "ana (os user ana, analyst)".
    static func analystSummary(_ name: String, _ osUser: String, _ role: AnalystRole) -> String {
        "\(name) (os user \(osUser), \(role.rawValue))"
    }
}
