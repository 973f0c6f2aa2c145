import Foundation
import TOMLKit
import VigilStore

/// A config file that cannot be used; each names the file and, where there is one, the key.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int, column: Int, reason: String)
    case unknownKey(path: String, key: String, known: [String])
    case invalidValue(path: String, key: String, value: String, requirement: String)
    case inconsistent(path: String, problem: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read the config: \(reason)"
        case .syntax(let path, let line, let column, let reason): return "\(path):\(line):\(column): not valid TOML: \(reason)"
        case .unknownKey(let path, let key, let known):
            return "\(path): unknown key '\(key)'" + (known.isEmpty ? "" : " (known here: \(known.joined(separator: ", ")))")
        case .invalidValue(let path, let key, let value, let requirement):
            return "\(path): \(key) = \(value): \(requirement)"
        case .inconsistent(let path, let problem): return "\(path): \(problem)"
        }
    }
}

extension VigilConfig {
    /// Reads a config file. Keys it leaves out keep their defaults; an unknown key, a value of the wrong type or out
    /// of range is an error naming the key and what is allowed.
    public static func load(path: String) throws(ConfigError) -> VigilConfig {
        // Refused by what it is before it is read: Foundation reports a directory as "error 256", and reading a
        // FIFO would wait for a writer.
        if let kind = FileKind.notRegular(path) { throw .unreadable(path: path, reason: "it is \(kind), not a config file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw .unreadable(path: path, reason: String(describing: error))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "it is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// The config in `text` (`path` names it in errors).
    public static func parse(_ text: String, path: String) throws(ConfigError) -> VigilConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(path: path, line: error.source.begin.line, column: error.source.begin.column, reason: error.description)
        } catch {
            throw .syntax(path: path, line: 0, column: 0, reason: "\(error)")
        }
        var config = VigilConfig()
        let keys = Dictionary(uniqueKeysWithValues: Self.keys.map { ($0.path, $0) })
        let sections = Set(Self.keys.flatMap { key in
            let parts = key.path.split(separator: ".")
            return (1..<parts.count).map { parts[0..<$0].joined(separator: ".") }
        })
        try apply(table, prefix: "", keys: keys, sections: sections, to: &config, path: path)
        if let problem = config.crossChecks().first { throw .inconsistent(path: path, problem: problem) }
        return config
    }

    private static func apply(_ table: TOMLTable, prefix: String, keys: [String: ConfigKey], sections: Set<String>,
                              to config: inout VigilConfig, path: String) throws(ConfigError) {
        for name in table.keys.sorted() {
            guard let value = table[name] else { continue }
            let full = prefix.isEmpty ? name : prefix + "." + name
            func unknown() -> ConfigError {
                let here = keys.keys.filter { $0.hasPrefix(prefix.isEmpty ? "" : prefix + ".") }
                    .map { String($0.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1).split(separator: ".")[0]) }
                return .unknownKey(path: path, key: full, known: Array(Set(here)).sorted())
            }
            if let sub = value.table {
                guard sections.contains(full) else { throw unknown() }
                try apply(sub, prefix: full, keys: keys, sections: sections, to: &config, path: path)
                continue
            }
            guard let key = keys[full] else {
                if sections.contains(full) {
                    throw .invalidValue(path: path, key: full, value: value.debugDescription, requirement: "must be a table ([\(full)])")
                }
                throw unknown()
            }
            let parsed: ConfigKey.Value
            if let i = value.int, value.type == .int {
                parsed = .integer(i)
            } else if let d = value.double, value.type == .double {
                parsed = .float(d)
            } else {
                throw .invalidValue(path: path, key: full, value: value.debugDescription,
                                    requirement: "must be \(key.requirement), not a \(value.type)")
            }
            if let requirement = key.set(parsed, in: &config) {
                throw .invalidValue(path: path, key: full, value: parsed.text, requirement: requirement)
            }
        }
    }

    /// The config as a TOML file with every key, each under a comment saying what it means and what it may be.
    public func tomlText() -> String {
        var lines = ["# Vigil configuration. Every key is optional; a key left out keeps the default written here.",
                     "# Save as \(VigilConfig.defaultPath()) or pass --config FILE."]
        // Keys grouped by section, sections in order of first appearance (TOML allows a table header only once).
        var sectionOrder: [String] = []
        for key in Self.keys where !sectionOrder.contains(key.section) { sectionOrder.append(key.section) }
        let ordered = sectionOrder.flatMap { section in Self.keys.filter { $0.section == section } }
        var section = ""
        for key in ordered {
            if key.section != section {
                section = key.section
                lines += ["", "[\(section)]"]
            }
            lines.append("# \(key.help) (\(key.rangeText))")
            lines.append("\(key.name) = \(key.text(in: self))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
