extension Key {
    /// How the key is written in help and hints: "j", "↓", "PgDn", "Ctrl-C",
    /// "Space", "F5".
    public var displayName: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let character): return String(character)
        case .ctrl(let character): return "Ctrl-" + String(character).uppercased()
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .resize: return "Resize"
        case .function(let number): return "F\(number)"
        case .unknown(let code): return "Key \(code)"
        }
    }
}

/// One or more keys that trigger an action, with what the help shows for it.
public struct KeyBinding<Action: Hashable & Sendable>: Hashable, Sendable {
    public var keys: [Key]
    public var action: Action
    /// The keys as shown in help: by default their display names joined by
    /// "/", e.g. "j/↓".
    public var keyLabel: String
    public var description: String
    /// The help section the binding is listed under.
    public var section: String

    public init(_ keys: [Key], action: Action, description: String, section: String = "", keyLabel: String? = nil) {
        var unique: [Key] = []
        for key in keys where !unique.contains(key) { unique.append(key) }
        self.keys = unique
        self.action = action
        self.keyLabel = keyLabel ?? unique.map(\.displayName).joined(separator: "/")
        self.description = description
        self.section = section
    }

    public init(_ key: Key, action: Action, description: String, section: String = "", keyLabel: String? = nil) {
        self.init([key], action: action, description: description, section: section, keyLabel: keyLabel)
    }
}

/// One key bound by two bindings of the same table.
public struct KeyBindingConflict<Action: Hashable & Sendable>: Hashable, Sendable, CustomStringConvertible {
    public var key: Key
    /// The action of the earlier binding.
    public var first: Action
    /// The action of the later binding.
    public var second: Action

    public init(key: Key, first: Action, second: Action) {
        self.key = key
        self.first = first
        self.second = second
    }

    public var description: String { "\(key.displayName) is bound to both \(first) and \(second)" }
}

/// Thrown by `KeyBindingTable.init`: every key bound more than once.
public struct KeyBindingConflicts<Action: Hashable & Sendable>: Error, Hashable, Sendable, CustomStringConvertible {
    public var conflicts: [KeyBindingConflict<Action>]

    public var description: String { conflicts.map(\.description).joined(separator: "; ") }
}

/// A screen's keys: which action each key triggers, and the list the help
/// overlay shows. Built once; a key bound twice is a programming error that
/// construction reports (both actions named) rather than one binding
/// silently shadowing the other.
public struct KeyBindingTable<Action: Hashable & Sendable>: Hashable, Sendable {
    public let bindings: [KeyBinding<Action>]
    private let actionsByKey: [Key: Action]

    public init(_ bindings: [KeyBinding<Action>]) throws(KeyBindingConflicts<Action>) {
        var actions: [Key: Action] = [:]
        var conflicts: [KeyBindingConflict<Action>] = []
        for binding in bindings {
            for key in binding.keys {
                if let existing = actions[key] {
                    conflicts.append(KeyBindingConflict(key: key, first: existing, second: binding.action))
                } else {
                    actions[key] = binding.action
                }
            }
        }
        guard conflicts.isEmpty else { throw KeyBindingConflicts(conflicts: conflicts) }
        self.bindings = bindings
        self.actionsByKey = actions
    }

    /// The action `key` triggers, nil when it is not bound.
    public func action(for key: Key) -> Action? { actionsByKey[key] }

    /// The first binding for `action` (e.g. to show its key in a hint).
    public func binding(for action: Action) -> KeyBinding<Action>? {
        bindings.first { $0.action == action }
    }

    /// The bindings grouped by section, sections in order of first appearance,
    /// bindings in table order: what `HelpOverlay` lists.
    public var helpSections: [HelpSection] {
        var order: [String] = []
        var entries: [String: [HelpEntry]] = [:]
        for binding in bindings {
            if entries[binding.section] == nil { order.append(binding.section) }
            entries[binding.section, default: []].append(HelpEntry(key: binding.keyLabel, description: binding.description))
        }
        return order.map { HelpSection(title: $0, entries: entries[$0] ?? []) }
    }
}
