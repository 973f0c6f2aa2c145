/// A screen's key-hint line. Entries whose key records something (a decision, a note, taking a case) are marked, so
/// that a workbench that cannot decide (the store open read-only, a reviewer, no key file) offers only the keys that
/// work, and the room they leave goes to looking ones.
struct KeyHint: ExpressibleByArrayLiteral, Sendable {
    struct Entry: ExpressibleByStringLiteral, Sendable {
        enum Shown: Sendable { case always, whenDeciding, whenLooking }
        let text: String
        let shown: Shown

        init(stringLiteral text: String) { self.init(text, shown: .always) }
        init(_ text: String, shown: Shown) {
            self.text = text
            self.shown = shown
        }

        /// A key that records something: left out where nothing can be decided.
        static func decides(_ text: String) -> Entry { Entry(text, shown: .whenDeciding) }
        /// A key shown only where nothing can be decided, in the room the decision keys leave.
        static func looking(_ text: String) -> Entry { Entry(text, shown: .whenLooking) }
    }

    let entries: [Entry]

    init(arrayLiteral entries: Entry...) { self.entries = entries }

    func line(canDecide: Bool) -> String {
        entries.filter {
            switch $0.shown {
            case .always: true
            case .whenDeciding: canDecide
            case .whenLooking: !canDecide
            }
        }.map(\.text).joined(separator: " · ")
    }
}

extension QueueModel {
    /// `hint` as this workbench shows it: without the decision keys when it cannot decide.
    func hintLine(_ hint: KeyHint) -> String { hint.line(canDecide: cannotDecide == nil) }
}
