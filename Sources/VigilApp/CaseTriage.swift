import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// What the case keys do, on the case queue (`summary` is the case under the cursor) and in a case. Each write is
/// one store call, one transaction with its audit events; afterwards the cases and alerts are read again.
extension QueueModel {
    func perform(_ action: CaseAction, on summary: CaseSummary?, size: TerminalSize, from screen: any Screen) throws -> ScreenOutcome {
        let inCase = screen is CaseScreen
        if action.decides, let cannotDecide {
            message = cannotDecide
            return .handled
        }
        switch action {
        case .quit:
            return inCase ? .pop : .quit
        case .help:
            return .push(HelpScreen(model: self, sections: (screen as? QueuePage)?.helpSections ?? CaseKeys.helpSections))
        case .theme:
            cycleTheme()
        case .palette:
            return .push(PaletteScreen(model: self, over: screen))
        case .reload:
            alertsChanged()
            message = "reloaded"
        case .alerts:
            return .root(QueueListScreen(model: self))
        case .view:
            let views = CaseList.View.allCases
            showCases(views[((views.firstIndex(of: cases.view) ?? 0) + 1) % views.count])
            return inCase ? .pop : .handled
        case .open:
            guard let summary else { message = "no case to open"; break }
            return try openCase(summary.id)
        case .next:
            guard let taken = try store.claimNextCase(analyst: analyst, now: cases.clock()) else {
                message = "no unassigned open case left"
                break
            }
            try caseChanged(taken.id)
            message = "case #\(taken.id) is yours"
            return try openCase(taken.id, over: inCase)
        case .take, .release:
            guard let summary else { message = "no case to assign"; break }
            let to = action == .take ? analyst : nil
            do {
                try store.assignCase(id: summary.id, to: to, by: analyst, shown: summary, at: cases.clock())
                message = to.map { "case #\(summary.id) assigned to \($0)" } ?? "case #\(summary.id) unassigned"
            } catch let error as TriageError {
                message = error.description
            }
            try caseChanged(summary.id)
        case .decide(let status):
            guard let summary else { message = "no case to decide"; break }
            switch try decideCase(summary, status: status) {
            case .confirm(let prompt): return .push(prompt)
            // A case decided whole is done with: back to the queue, on the next case.
            case .decided: return inCase ? .pop : .handled
            case .refused: break
            }
        case .snooze:
            guard let summary else { message = "no case to snooze"; break }
            return .push(CasePromptScreen(model: self, kind: .snooze(summary), leavesCase: inCase))
        case .due:
            guard let summary else { message = "no case to set a due date on"; break }
            return .push(CasePromptScreen(model: self, kind: .due(summary), leavesCase: false))
        case .undo:
            try undoCases(size: size)
        case .search:
            return inCase ? .sequence([.pop, .push(CaseSearchScreen(model: self))]) : .push(CaseSearchScreen(model: self))
        case .searchNext, .searchPrevious:
            try findCase(forward: action == .searchNext)
            return inCase ? .pop : .handled
        case .client:
            guard let summary, let page = try clientPage(summary.clientID) else { break }
            return .push(page)
        }
        return .handled
    }

    /// Case `id`'s view over the queue (`over` another case: in its place); nil, saying so, when it is gone.
    func openCase(_ id: Int64, over another: Bool = false) throws -> ScreenOutcome {
        guard let opened = try CaseScreen(model: self, caseID: id) else { message = "no case #\(id)"; return .handled }
        return another ? .replace(opened) : .push(opened)
    }

    /// How a decision went: made, refused (the message says why), or waiting for the note that overturns another
    /// analyst's decision (the prompt that asks for it).
    enum CaseDecision { case decided, refused, confirm(any Screen) }

    /// Decides every open alert of `summary` in one transaction.
    func decideCase(_ summary: CaseSummary, status: AlertStatus, note: String? = nil, overturning: Bool = false) throws -> CaseDecision {
        let outcome: CaseDecision
        do {
            let events = try store.decideCase(id: summary.id, status: status, analyst: analyst, note: note, overturning: overturning,
                                              version: summary.version, at: cases.clock())
            message = "case #\(summary.id): " + (events.count == 1 ? "1 alert" : "\(events.count) alerts") + " → "
                + QueueColumns.statusName(status.rawValue) + " (u undoes)"
            outcome = .decided
        } catch let error as TriageError {
            if let refusal = Self.overturnRefusal(error) {
                return .confirm(CasePromptScreen(model: self, kind: .overturn(refusal, .wholeCase(summary, status)), leavesCase: false))
            }
            // Nothing was written; the case is read again, as another analyst may have changed it.
            message = error.description
            outcome = .refused
        }
        try caseChanged(summary.id)
        return outcome
    }

    /// The store refusing to overturn another analyst's decision, as the prompt asking for the note says it; nil
    /// for any other refusal.
    static func overturnRefusal(_ error: TriageError) -> CasePromptScreen.Refusal? {
        guard case .decidedByAnother(let id, let by, let status) = error else { return nil }
        return CasePromptScreen.Refusal(message: "#\(id) is \(by)'s \(AlertStatus.words(status)): a note saying why overturns it, "
                                        + "Esc keeps it",
                                        label: "overturn \(by)'s \(QueueColumns.shortStatusName(status)) on #\(id), because")
    }

    /// Snoozes `summary` until `text`'s date, with the rest of `text` as the note: "2026-12-10 waiting for the
    /// client" or "3d …" (days from now). False, saying why, when the date does not read; the prompt stays open.
    func snooze(_ summary: CaseSummary, _ text: String) throws -> Bool {
        let words = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let first = words.first, let until = Self.caseDate(String(first), now: cases.clock()) else {
            message = "snooze: type a date (YYYY-MM-DD, or 3d for three days), then a note"
            return false
        }
        guard until > cases.clock() else { message = "snooze: \(first) has passed"; return false }
        let note = words.count > 1 ? String(words[1]).trimmingCharacters(in: .whitespaces) : nil
        do {
            try store.snoozeCase(id: summary.id, until: until, by: analyst, note: note, at: cases.clock())
            message = "case #\(summary.id) snoozed until \(CivilTime.formatDate(until))"
        } catch let error as TriageError {
            message = error.description
        }
        try caseChanged(summary.id)
        return true
    }

    /// Sets `summary`'s due date to `text`'s (empty clears it). False, saying why, when the date does not read; the
    /// prompt stays open.
    func setDue(_ summary: CaseSummary, _ text: String) throws -> Bool {
        let word = text.trimmingCharacters(in: .whitespaces)
        let due = Self.caseDate(word, now: cases.clock())
        guard word.isEmpty || due != nil else {
            message = "due: type a date (YYYY-MM-DD), +3d or +12h from now; empty clears it"
            return false
        }
        do {
            try store.setCaseDue(id: summary.id, at: due, by: analyst, at: cases.clock())
            message = "case #\(summary.id): " + (due.map { "due \(CivilTime.format($0).prefix(16)) UTC" } ?? "no due date")
        } catch let error as TriageError {
            message = error.description
        }
        try caseChanged(summary.id)
        return true
    }

    /// A date a snooze or a due date is typed as: a day (`YYYY-MM-DD`, midnight UTC), or a time from `now` in days
    /// (`3d`, `+3d`) or hours (`12h`, `+12h`), up to a year.
    static func caseDate(_ word: String, now: Int64) -> Int64? {
        let relative = word.hasPrefix("+") ? word.dropFirst() : Substring(word)
        if let unit = relative.last, let count = Int64(relative.dropLast()), count >= 1 {
            if unit == "d", count <= 366 { return now + count * 86_400 }
            if unit == "h", count <= 366 * 24 { return now + count * 3_600 }
        }
        return CivilTime.parseDay(word)
    }
}

/// A line typed over a case screen: the date and note of a snooze, a due date, or the note that overturns another
/// analyst's decision.
final class CasePromptScreen: Screen {
    /// What a confirmed overturn decides again.
    enum Retry {
        case wholeCase(CaseSummary, AlertStatus)
        case alerts([SeenAlert], AlertStatus)
    }

    /// Whose decision an overturn would change: said on the status line, and (shorter) before the note.
    struct Refusal {
        var message: String
        var label: String
    }

    enum Kind {
        case snooze(CaseSummary)
        case due(CaseSummary)
        /// The store's refusal, and what to retry with `overturning: true`.
        case overturn(Refusal, Retry)
    }

    let model: QueueModel
    let kind: Kind
    /// Whether it was opened from a case that it closes too when it succeeds (a snooze is done with the case).
    let leavesCase: Bool
    private(set) var input = TextInputState()

    init(model: QueueModel, kind: Kind, leavesCase: Bool) {
        self.model = model
        self.kind = kind
        self.leavesCase = leavesCase
        if case .overturn(let refusal, _) = kind { model.message = refusal.message }
    }

    var isOverlay: Bool { true }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        switch input.prompt(key) {
        case .edited:
            return .handled
        case .cancelled:
            model.message = {
                switch kind {
                case .snooze: "not snoozed"
                case .due: "the due date is as it was"
                case .overturn: "not overturned: nothing was changed"
                }
            }()
            return .pop
        case .submitted(let text):
            switch kind {
            case .snooze(let summary):
                guard try model.snooze(summary, text) else { return .handled }
            case .due(let summary):
                guard try model.setDue(summary, text) else { return .handled }
            case .overturn(_, let retry):
                let note = text.trimmingCharacters(in: .whitespaces)
                guard !note.isEmpty else { model.message = "overturning needs a note saying why"; return .handled }
                switch retry {
                case .wholeCase(let summary, let status):
                    _ = try model.decideCase(summary, status: status, note: note, overturning: true)
                case .alerts(let alerts, let status):
                    _ = try model.decide(alerts, status: status, size: size, note: note, overturning: true)
                }
            }
            return leavesCase ? .sequence([.pop, .pop]) : .pop
        }
    }

    func render(into buffer: inout CellBuffer) {
        guard let frame = QueueFrame(buffer.size) else { return }
        switch kind {
        case .snooze(let summary):
            model.drawPrompt("snooze #\(summary.id) until", placeholder: "YYYY-MM-DD or 3d, then a note; Enter snoozes, Esc cancels",
                             input: &input, in: frame.hint, into: &buffer)
        case .due(let summary):
            model.drawPrompt("#\(summary.id) due", placeholder: "YYYY-MM-DD, +3d or +12h; empty clears; Enter sets, Esc cancels",
                             input: &input, in: frame.hint, into: &buffer)
        case .overturn(let refusal, _):
            model.drawPrompt(refusal.label, placeholder: "why; Enter overturns, Esc keeps the decision",
                             input: &input, in: frame.hint, into: &buffer)
        }
    }
}
