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

    /// `--analyst`, else `$USER` or `$LOGNAME`, else the account's login name, else "analyst".
    static func name(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option { return option.trimmingCharacters(in: .whitespaces) }
        for variable in ["USER", "LOGNAME"] {
            if let user = environment[variable], !user.isEmpty { return user }
        }
        if let entry = getpwuid(getuid()), let login = entry.pointee.pw_name, let name = String(validatingCString: login),
           !name.isEmpty, !name.contains(where: \.isNewline) {
            return name
        }
        return "analyst"
    }
}
