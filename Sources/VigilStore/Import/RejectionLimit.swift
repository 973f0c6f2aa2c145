import Foundation
import VigilCore

/// How many rejected rows an import of data may have before it counts as failed (`--max-rejected`): a share of the
/// rows read (`1%`, `0.5%`) or a number of rows (`100`). The rows are kept either way (rejected ones in the store,
/// with their reasons); only the command's exit status and its last line say whether the import is to be trusted.
/// One rule for every command that imports rows (`vigil import`, `vigil outcomes import`).
public enum RejectionLimit: Sendable, Hashable, CustomStringConvertible {
    /// At most this percentage of the rows read (0–100).
    case percent(Double)
    /// At most this many rows.
    case count(Int)

    /// 1 % of the rows read: a file with more bad rows than that is more likely mis-mapped or mis-exported than
    /// dirty, and whatever is built on it would be missing too much to trust.
    public static let standard = RejectionLimit.percent(1)

    /// `2%`, `0.5 %`, `100`; an error saying why for anything else.
    public static func parse(_ text: String) -> Result<RejectionLimit, RejectionLimitError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("%") {
            let number = String(trimmed.dropLast()).trimmingCharacters(in: .whitespaces)
            // Digits and at most one point only: Double("1e2") or Double("nan") would read, and mean nothing here.
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  number.filter({ $0 == "." }).count <= 1, let value = Double(number), value <= 100 else {
                return .failure(RejectionLimitError(text: text, reason: "a percentage must be a number from 0 to 100 followed by %"))
            }
            return .success(.percent(value))
        }
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(trimmed) else {
            return .failure(RejectionLimitError(text: text, reason: "expected a percentage such as 1% or a number of rows such as 100"))
        }
        return .success(.count(value))
    }

    /// Whether `rejected` rows out of `read` are more than the limit allows.
    public func isExceeded(rejected: Int, read: Int) -> Bool {
        switch self {
        case .count(let most): return rejected > most
        case .percent(let most): return read > 0 && Double(rejected) * 100 > most * Double(read)
        }
    }

    /// The limit as `--max-rejected` takes it: `1%`, `100`.
    public var option: String {
        switch self {
        case .count(let most): return String(most)
        case .percent(let most): return (most == most.rounded() ? String(Int(most)) : String(most)) + "%"
        }
    }

    /// `1 %`, `100 rows`: as messages quote the limit.
    public var description: String {
        switch self {
        case .count(let most): return "\(Formatting.grouped(most)) \(most == 1 ? "row" : "rows")"
        case .percent: return String(option.dropLast()) + " %"
        }
    }

    /// The line an import ends with when it rejected rows: how many, their share of the rows read, and whether that
    /// is more than the limit. `seeAlso` says where to read them (`vigil rejected --store S`).
    public func verdict(rejected: Int, read: Int, option: String = "--max-rejected", seeAlso: String?) -> String {
        var line = "\(Formatting.grouped(rejected)) \(rejected == 1 ? "row" : "rows") rejected"
        if read > 0 { line += " (\(Self.percentText(Double(rejected) * 100 / Double(read))) of \(Formatting.grouped(read)) read)" }
        if isExceeded(rejected: rejected, read: read) { line += ": more than \(option) \(self) allows" }
        if let seeAlso { line += "; see \(seeAlso)" }
        return line
    }

    /// A percentage with one decimal, or two below 0.1 % so that a few rejected rows never show as 0.0 %; never
    /// rounded to 0 or 100 when it is neither.
    static func percentText(_ value: Double) -> String {
        var digits = value > 0 && value < 0.1 ? 2 : 1
        var text = fixed(value, digits)
        while digits < 6, (value > 0 && Double(text) == 0) || (value < 100 && Double(text) == 100) {
            digits += 1
            text = fixed(value, digits)
        }
        return text + " %"
    }

    private static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}

/// Why a `--max-rejected` value was refused.
public struct RejectionLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)': \(reason)" }
}
