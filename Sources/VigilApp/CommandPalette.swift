import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore

/// What the command palette (`:`) can do: jump to a client, an alert or a day, or run a command by name.
public enum PaletteCommand: Equatable, Sendable {
    case client(String)
    case alert(Int64)
    /// The UTC day starting at this epoch second.
    case date(Int64)
    /// Run these detectors in the background (every one when empty).
    case scan([Detector])
    case cancelScan
    case overview
    /// The common-point-of-purchase screen.
    case commonPoints
    case filter(String)
    case view(String)
    case sort(AlertQuery.SortKey)
    case theme(String?)
    case help
    case quit
    /// The case queue (`mine`: the analyst's own cases), the alert queue, one case, the next unassigned case.
    case cases(mine: Bool)
    case alerts
    case openCase(Int64)
    case nextCase
}

/// The palette's grammar and completions. Typed text is one of:
///
/// - `#123` or `alert 123`: the alert's detail;
/// - `client ID`, or a bare word that is a stored client's id: the client view;
/// - `YYYY-MM-DD` or `date YYYY-MM-DD`: the queue filtered to that day (the client view's timeline moves there);
/// - a bare number that is not a client's id: that alert;
/// - a command: `scan [DETECTOR...]`, `cancel`, `overview`, `cpp`, `filter TERMS`, `view open|all|fraud|false|escalated|info`,
///   `sort score|time|client|amount|merchant|category|reason|status`, `theme [NAME]`, `help`, `quit`.
public enum CommandPalette {
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var usage: String
        public var description: String
    }

    public static let commands: [Entry] = [
        Entry(name: "client", usage: "client ID", description: "open a client's view"),
        Entry(name: "alert", usage: "alert ID  (or #ID)", description: "open an alert's detail"),
        Entry(name: "date", usage: "date YYYY-MM-DD", description: "the queue's alerts of one day"),
        Entry(name: "scan", usage: "scan [DETECTOR ...]", description: "run detectors in the background (all by default)"),
        Entry(name: "cancel", usage: "cancel", description: "cancel the running scan"),
        Entry(name: "overview", usage: "overview", description: "alerts and transactions per day, detectors' precision"),
        Entry(name: "cpp", usage: "cpp", description: "merchants the fraud cards shared before their fraud, cards exposed there"),
        Entry(name: "filter", usage: "filter TERMS", description: "filter the queue (client= detector= amount= date=)"),
        Entry(name: "view", usage: "view open|all|fraud|false|escalated|info", description: "which statuses the queue shows"),
        Entry(name: "sort", usage: "sort COLUMN", description: "sort the queue (score time client amount merchant category reason status)"),
        Entry(name: "cases", usage: "cases", description: "the case queue"),
        Entry(name: "mine", usage: "mine", description: "the cases assigned to me"),
        Entry(name: "next", usage: "next", description: "take the next unassigned case and open it"),
        Entry(name: "case", usage: "case ID", description: "open a case"),
        Entry(name: "alerts", usage: "alerts", description: "the alert queue"),
        Entry(name: "theme", usage: "theme [NAME]", description: "switch colour theme"),
        Entry(name: "help", usage: "help", description: "the keys"),
        Entry(name: "quit", usage: "quit", description: "leave Vigil"),
    ]

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses `text`; `isClient` says whether a word is a stored client's id.
    public static func parse(_ text: String, isClient: (String) throws -> Bool) throws -> PaletteCommand {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let head = words.first else { throw ParseError(message: "type a client id, #alert, a date or a command") }
        let rest = Array(words.dropFirst())
        let argument = rest.joined(separator: " ")
        func one(_ what: String) throws -> String {
            guard rest.count == 1 else { throw ParseError(message: "\(head) takes one \(what)") }
            return rest[0]
        }
        switch head.lowercased() {
        // A card number may be pasted in groups (`4000 0566 5566 5556`): it is one client.
        case "client": return .client(CardNumber.digits(typed: argument) != nil ? argument : try one("client id"))
        case "alert":
            let id = try one("alert id")
            guard let number = Int64(id.hasPrefix("#") ? String(id.dropFirst()) : id) else {
                throw ParseError(message: "'\(id)' is not an alert id")
            }
            return .alert(number)
        case "date":
            return .date(try day(one("day")))
        case "scan":
            var detectors: [Detector] = []
            for name in rest {
                guard let detector = Detector(rawValue: name.lowercased()) else {
                    throw ParseError(message: "unknown detector '\(name)' (known: "
                                     + Detector.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                if !detectors.contains(detector) { detectors.append(detector) }
            }
            return .scan(detectors)
        case "cancel": return .cancelScan
        case "overview": return .overview
        case "cpp": return .commonPoints
        case "filter": return .filter(argument)
        case "view":
            let name = try one("view").lowercased()
            guard views[name] != nil else {
                throw ParseError(message: "unknown view '\(name)' (known: " + views.keys.sorted().joined(separator: ", ") + ")")
            }
            return .view(name)
        case "sort":
            let name = try one("column").lowercased()
            guard let key = AlertQuery.SortKey(rawValue: name) else {
                throw ParseError(message: "can't sort by '\(name)' (columns: "
                                 + AlertQuery.SortKey.allCases.map(\.rawValue).joined(separator: " ") + ")")
            }
            return .sort(key)
        case "cases": return .cases(mine: false)
        case "mine": return .cases(mine: true)
        case "next": return .nextCase
        case "alerts": return .alerts
        case "case":
            let id = try one("case id")
            guard let number = Int64(id.hasPrefix("#") ? String(id.dropFirst()) : id) else {
                throw ParseError(message: "'\(id)' is not a case id")
            }
            return .openCase(number)
        case "theme": return .theme(rest.first)
        case "help", "?": return .help
        case "quit", "q": return .quit
        default:
            // A card number typed or pasted alone, whole or in groups, is the card (never an alert id).
            if CardNumber.digits(typed: text) != nil { return .client(text.trimmingCharacters(in: .whitespaces)) }
            guard rest.isEmpty else { throw ParseError(message: "unknown command '\(head)' (Tab lists them)") }
            if head.hasPrefix("#"), let id = Int64(head.dropFirst()) { return .alert(id) }
            if head.count == 10, head.dropFirst(4).first == "-", let start = CivilTime.parseDay(head) { return .date(start) }
            if try isClient(head) { return .client(head) }
            if let id = Int64(head) { return .alert(id) }
            throw ParseError(message: "'\(head)' is not a client, an alert, a date or a command")
        }
    }

    /// The statuses each `view` name shows; nil for every status.
    public static let views: [String: Set<AlertStatus>?] = [
        "open": [.open], "all": nil, "fraud": [.confirmedFraud], "false": [.falsePositive],
        "escalated": [.escalated], "info": [.needsInfo],
    ]

    private static func day(_ text: String) throws -> Int64 {
        guard let start = CivilTime.parseDay(text) else { throw ParseError(message: "'\(text)' is not a day (YYYY-MM-DD)") }
        return start
    }

    /// What the typed text could become: commands whose name starts with it, and clients whose id does.
    public static func completions(for text: String, clients: (String) throws -> [String]) rethrows -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let words = trimmed.split(whereSeparator: \.isWhitespace)
        if words.count <= 1 && !text.hasSuffix(" ") {
            let prefix = trimmed.lowercased()
            var names = commands.map(\.name).filter { $0.hasPrefix(prefix) }
            if !prefix.isEmpty { names += try clients(trimmed).map { "client \($0)" } }
            return names
        }
        switch words.first?.lowercased() {
        case "client":
            return try clients(words.count > 1 ? String(words[1]) : "").map { "client \($0)" }
        case "scan":
            let last = text.hasSuffix(" ") ? "" : String(words.last ?? "").lowercased()
            let stem = text.hasSuffix(" ") ? trimmed : words.dropLast().joined(separator: " ")
            return Detector.allCases.map(\.rawValue).filter { $0.hasPrefix(last) && !words.dropFirst().contains(Substring($0)) }
                .map { stem + " " + $0 }
        case "sort":
            let last = words.count > 1 ? String(words[1]).lowercased() : ""
            return AlertQuery.SortKey.allCases.map(\.rawValue).filter { $0.hasPrefix(last) }.map { "sort " + $0 }
        case "view":
            let last = words.count > 1 ? String(words[1]).lowercased() : ""
            return views.keys.sorted().filter { $0.hasPrefix(last) }.map { "view " + $0 }
        default:
            return []
        }
    }
}
