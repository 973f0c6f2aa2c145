import ArgumentParser
import Foundation

/// `--analyst`, as `open` and `triage` take it: who is deciding, recorded with each decision in the audit trail.
enum Analyst {
    /// A name on one line, so that an audit line can never be forged by a newline in it.
    static func validate(_ option: String?) throws {
        if let option, option.trimmingCharacters(in: .whitespaces).isEmpty || option.contains(where: \.isNewline) {
            throw ValidationError("--analyst needs a name on one line")
        }
    }

    /// `--analyst`, else `$USER`, else "analyst".
    static func name(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option { return option.trimmingCharacters(in: .whitespaces) }
        if let user = environment["USER"], !user.isEmpty { return user }
        return "analyst"
    }
}
