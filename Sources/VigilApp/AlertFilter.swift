import Foundation
import VigilCore
import VigilEngine
import VigilStore

/// The queue's filter as the analyst types it: space-separated `field=value` terms, any of
/// `client=ID`, `detector=NAME`, `amount=MIN..MAX` (in major units; either end may be left out) and
/// `date=FROM..UNTIL` (UTC days, both included; `date=DAY` for one day). An empty text clears the filter.
public struct AlertFilter: Equatable, Sendable {
    public var clientID: String?
    public var detector: String?
    public var minimumAmountMinor: Int64?
    public var maximumAmountMinor: Int64?
    public var from: Int64?
    public var until: Int64?

    public init() {}

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) throws(ParseError) -> AlertFilter {
        var filter = AlertFilter()
        for term in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let equals = term.firstIndex(of: "="), equals != term.startIndex, term.index(after: equals) != term.endIndex else {
                throw ParseError(message: "'\(term)' is not field=value (fields: client, detector, amount, date)")
            }
            let field = term[..<equals].lowercased()
            let value = String(term[term.index(after: equals)...])
            switch field {
            case "client": filter.clientID = value
            case "detector": filter.detector = value
            case "amount":
                let (low, high) = try range(value, field: "amount")
                filter.minimumAmountMinor = try low.map { text throws(ParseError) in try money(text) }
                filter.maximumAmountMinor = try high.map { text throws(ParseError) in try money(text) }
            case "date":
                let (low, high) = value.contains("..") ? try range(value, field: "date") : (value, value)
                filter.from = try low.map { text throws(ParseError) in try day(text) }
                filter.until = try high.map { text throws(ParseError) in try day(text) + 86_400 }
            default:
                throw ParseError(message: "unknown field '\(field)' (fields: client, detector, amount, date)")
            }
        }
        return filter
    }

    /// The text that parses back to this filter, for editing it again.
    public var text: String {
        var terms: [String] = []
        if let clientID { terms.append("client=\(clientID)") }
        if let detector { terms.append("detector=\(detector)") }
        if minimumAmountMinor != nil || maximumAmountMinor != nil {
            terms.append("amount=" + (minimumAmountMinor.map(Self.major) ?? "") + ".." + (maximumAmountMinor.map(Self.major) ?? ""))
        }
        if let from, let until, until == from + 86_400 {
            terms.append("date=" + CivilTime.formatDate(from))
        } else if from != nil || until != nil {
            terms.append("date=" + (from.map(CivilTime.formatDate) ?? "") + ".." + (until.map { CivilTime.formatDate($0 - 86_400) } ?? ""))
        }
        return terms.joined(separator: " ")
    }

    public var isEmpty: Bool { self == AlertFilter() }

    /// Sets the query's filters from this one (its statuses and sort stay).
    public func apply(to query: inout AlertQuery) {
        query.clientID = clientID
        query.detector = detector
        query.minimumAmountMinor = minimumAmountMinor
        query.maximumAmountMinor = maximumAmountMinor
        query.from = from
        query.until = until
    }

    private static func range(_ value: String, field: String) throws(ParseError) -> (String?, String?) {
        let parts = value.components(separatedBy: "..")
        guard parts.count == 2, !(parts[0].isEmpty && parts[1].isEmpty) else {
            throw ParseError(message: "\(field)=\(value): expected LOW..HIGH (either end may be left out)")
        }
        return (parts[0].isEmpty ? nil : parts[0], parts[1].isEmpty ? nil : parts[1])
    }

    private static func money(_ text: String) throws(ParseError) -> Int64 {
        guard case .success(let money) = AmountParser().parse(text) else {
            throw ParseError(message: "amount '\(text)' is not an amount (e.g. 100 or 1,250.50)")
        }
        return money.minorUnits
    }

    private static func day(_ text: String) throws(ParseError) -> Int64 {
        guard let day = CivilTime.parseDay(text) else { throw ParseError(message: "date '\(text)' is not a day (YYYY-MM-DD)") }
        return day
    }

    private static func major(_ minor: Int64) -> String {
        minor % 100 == 0 ? String(minor / 100) : String(format: "%.2f", Double(minor) / 100)
    }
}
