import Foundation

/// One setting of the config file: its dotted key, what it means, its type and allowed range, and where it lives in
/// `VigilConfig`. The key table drives reading, validation and `--print-defaults` alike, so they cannot disagree.
struct ConfigKey {
    enum Kind {
        case double(WritableKeyPath<VigilConfig, Double>, ClosedRange<Double>)
        case int(WritableKeyPath<VigilConfig, Int>, ClosedRange<Int>)
        /// An amount written in major units (dollars) and kept in minor units (cents).
        case money(WritableKeyPath<VigilConfig, Int64>, ClosedRange<Double>)
        /// A duration written in minutes and kept in seconds.
        case seconds(WritableKeyPath<VigilConfig, Int64>, ClosedRange<Int>)
    }

    let path: String
    let kind: Kind
    let help: String

    static func double(_ path: String, _ keyPath: WritableKeyPath<VigilConfig, Double>, _ range: ClosedRange<Double>, _ help: String) -> ConfigKey {
        ConfigKey(path: path, kind: .double(keyPath, range), help: help)
    }
    static func int(_ path: String, _ keyPath: WritableKeyPath<VigilConfig, Int>, _ range: ClosedRange<Int>, _ help: String) -> ConfigKey {
        ConfigKey(path: path, kind: .int(keyPath, range), help: help)
    }
    static func money(_ path: String, _ keyPath: WritableKeyPath<VigilConfig, Int64>, _ range: ClosedRange<Double>, _ help: String) -> ConfigKey {
        ConfigKey(path: path, kind: .money(keyPath, range), help: help)
    }
    static func seconds(_ path: String, _ keyPath: WritableKeyPath<VigilConfig, Int64>, _ range: ClosedRange<Int>, _ help: String) -> ConfigKey {
        ConfigKey(path: path, kind: .seconds(keyPath, range), help: help)
    }

    /// The section (`rules.burst`) and the name within it (`window_minutes`).
    var section: String { path.split(separator: ".").dropLast().joined(separator: ".") }
    var name: String { String(path.split(separator: ".").last!) }

    var rangeText: String {
        switch kind {
        case .double(_, let r), .money(_, let r): return "\(Self.format(r.lowerBound)) to \(Self.format(r.upperBound))"
        case .int(_, let r), .seconds(_, let r): return "an integer from \(r.lowerBound) to \(r.upperBound)"
        }
    }

    /// What a value of this key must be: "a number from 0.01 to 0.99", "an integer from 1 to 10080 (minutes)".
    var requirement: String {
        switch kind {
        case .double: return "a number from \(rangeText)"
        case .money: return "an amount from \(rangeText)"
        case .int: return rangeText
        case .seconds: return "\(rangeText) (minutes)"
        }
    }

    /// The value in `config`, as the config file writes it.
    func text(in config: VigilConfig) -> String {
        switch kind {
        case .double(let kp, _): return Self.format(config[keyPath: kp])
        case .int(let kp, _): return "\(config[keyPath: kp])"
        case .money(let kp, _): return Self.format(Double(config[keyPath: kp]) / 100)
        case .seconds(let kp, _): return "\(config[keyPath: kp] / 60)"
        }
    }

    enum Value {
        case integer(Int)
        case float(Double)

        /// The value as a number: TOML's integers are numbers too.
        var number: Double {
            switch self {
            case .integer(let i): return Double(i)
            case .float(let f): return f
            }
        }

        /// The value as the file wrote it, for error messages.
        var text: String {
            switch self {
            case .integer(let i): return "\(i)"
            case .float(let f): return ConfigKey.format(f)
            }
        }
    }

    /// Stores `value` into `config`, or says why it cannot be.
    func set(_ value: Value, in config: inout VigilConfig) -> String? {
        switch kind {
        case .double(let kp, let range):
            let x = value.number
            guard x.isFinite, range.contains(x) else { return "must be \(requirement)" }
            config[keyPath: kp] = x
        case .money(let kp, let range):
            let x = value.number
            guard x.isFinite, range.contains(x) else { return "must be \(requirement)" }
            config[keyPath: kp] = Int64((x * 100).rounded())
        case .int(let kp, let range):
            guard case .integer(let i) = value else { return "must be \(requirement)" }
            guard range.contains(i) else { return "must be \(requirement)" }
            config[keyPath: kp] = i
        case .seconds(let kp, let range):
            guard case .integer(let i) = value else { return "must be \(requirement)" }
            guard range.contains(i) else { return "must be \(requirement)" }
            config[keyPath: kp] = Int64(i) * 60
        }
        return nil
    }

    /// A float as TOML writes it: always with a point or exponent, no trailing noise.
    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(format: "%.1f", x) }
        return "\(x)"
    }
}
