import ArgumentParser
import Foundation
import VigilDetect

/// `vigil scan --detectors`: a comma-separated list of detectors and the groups all, models and rules. Parsed with
/// the command line, so a bad name is a usage error before the store is opened, and the help lists every value.
struct DetectorSelection: ExpressibleByArgument, Sendable {
    var detectors: Set<Detector>
    /// The text given, for the help's default.
    var defaultValueDescription: String

    static let all = DetectorSelection(detectors: Set(Detector.allCases), defaultValueDescription: "all")

    static let groups: [(name: String, members: [Detector])] = [
        ("all", Detector.allCases), ("models", Detector.models), ("rules", Detector.rules),
    ]

    static var allValueStrings: [String] { groups.map(\.name) + Detector.allCases.map(\.rawValue) }

    static var allValueDescriptions: [String: String] {
        var descriptions = Dictionary(uniqueKeysWithValues: Detector.allCases.map { ($0.rawValue, $0.title) })
        descriptions["all"] = "every detector"
        for (name, members) in groups where name != "all" {
            descriptions[name] = members.map(\.rawValue).joined(separator: ", ")
        }
        return descriptions
    }

    /// Parses `text`; the error names the first unknown name and lists the known ones (the parser adds the option
    /// and the whole value).
    init(parsing text: String) throws {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let known = Self.allValueStrings.joined(separator: ", ")
        guard !names.isEmpty else { throw ValidationError("it names no detector; choose from \(known)") }
        var chosen = Set<Detector>()
        for name in names {
            if let group = Self.groups.first(where: { $0.name == name }) {
                chosen.formUnion(group.members)
            } else if let detector = Detector(rawValue: name) {
                chosen.insert(detector)
            } else {
                throw ValidationError("unknown detector '\(Sanitize.line(name))'; choose from \(known)")
            }
        }
        self.init(detectors: chosen, defaultValueDescription: text)
    }

    init?(argument: String) {
        guard let parsed = try? Self(parsing: argument) else { return nil }
        self = parsed
    }

    private init(detectors: Set<Detector>, defaultValueDescription: String) {
        self.detectors = detectors
        self.defaultValueDescription = defaultValueDescription
    }
}
