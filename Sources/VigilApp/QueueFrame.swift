import Foundation
import VigilCore
import VigilEngine
import VigilTUI

/// The rows every screen over the queue shares: the title, the body, the status line and the key hint.
struct QueueFrame {
    /// Below this the screens say so instead of drawing.
    static let minimumSize = TerminalSize(width: 60, height: 10)

    let title: Rect
    let body: Rect
    let status: Rect
    let hint: Rect
    let size: TerminalSize

    /// Nil when the terminal is too small to draw in. The status line takes `statusRows` rows (a long message
    /// wraps onto more), never more than a third of the screen.
    init?(_ size: TerminalSize, statusRows: Int = 1) {
        guard size.width >= Self.minimumSize.width, size.height >= Self.minimumSize.height else { return nil }
        self.size = size
        let whole = Rect(width: size.width, height: size.height)
        let (titleRow, rest) = whole.splitTop(1)
        let (body, bottom) = rest.splitBottom(1 + min(max(1, statusRows), max(1, size.height / 3)))
        let (statusRow, hintRow) = bottom.splitBottom(1)
        title = titleRow
        self.body = body
        status = statusRow
        hint = hintRow
    }
}

extension QueueModel {
    /// The message as the status line shows it: on one row when it fits there, else wrapped onto as many as it needs.
    func messageRows(width: Int) -> [String] {
        guard let message else { return [] }
        let whole = " " + message
        return displayWidth(of: whole) < width ? [whole] : wrap(message, toWidth: max(1, width - 2)).map { " " + $0 }
    }

    /// The frame at `size`, its status line as tall as the message needs.
    func frame(_ size: TerminalSize) -> QueueFrame? { QueueFrame(size, statusRows: messageRows(width: size.width).count) }

    /// Draws the frame around a screen's body: the title (store, view, filter, live scoring, analyst), the status
    /// line and `hint`. Returns the frame, or nil after saying the terminal is too small.
    func drawFrame(into buffer: inout CellBuffer, hint: String) -> QueueFrame? {
        buffer.fill(buffer.bounds, style: theme.text)
        guard let frame = frame(buffer.size) else {
            let least = QueueFrame.minimumSize
            buffer.put("terminal too small: \(buffer.width)×\(buffer.height), Vigil needs \(least.width)×\(least.height)",
                       in: buffer.bounds, style: theme.alert)
            return nil
        }
        buffer.fill(frame.title, style: theme.title)
        let file = URL(fileURLWithPath: store.path).lastPathComponent
        StatusBar(left: " Vigil — \(file) — \(scopeName)", right: titleRight,
                  style: theme.title).render(into: &buffer, in: frame.title)
        let wrapped = messageRows(width: buffer.width)
        if wrapped.count > 1 {
            // A message that does not fit one row is never cut: it takes the rows it needs, and the counts give way.
            buffer.fill(frame.status, style: theme.statusBar)
            for (index, text) in wrapped.prefix(frame.status.height).enumerated() {
                StatusBar(left: text, style: theme.statusBar).render(into: &buffer, in: frame.status.row(index))
            }
        } else {
            drawStatus(into: &buffer, in: frame.status)
        }
        StatusBar(left: " " + hint, style: theme.dim).render(into: &buffer, in: frame.hint)
        return frame
    }

    /// The title's right side: live scoring, the analyst, and whether this workbench can only look (the store open
    /// read-only, or an analyst who may not decide).
    var titleRight: String {
        let looking = cannotDecide == nil ? "" : store.isReadOnly ? " · read-only" : " · look only"
        return (liveIndicator.map { $0 + "  " } ?? "") + Self.analystLabel(analyst) + looking + " "
    }

    /// "analyst ana" in the title; a nameless analyst (called "analyst" when no name was found) is not named twice.
    static func analystLabel(_ analyst: String) -> String { analyst == "analyst" ? analyst : "analyst " + analyst }

    /// The message, else the cursor's position with the marked and new counts; the counts by status on the right;
    /// a running scan's progress over all of it.
    private func drawStatus(into buffer: inout CellBuffer, in row: Rect) {
        let width = buffer.width
        let position = ids.isEmpty ? "0/0" : "\(Formatting.grouped(table.cursor + 1))/\(Formatting.grouped(ids.count))"
        func counted(_ shown: [String]) -> String {
            shown.map { (width >= QueueColumns.wideLayout ? QueueColumns.statusName($0) : QueueColumns.shortStatusName($0))
                + " \(Formatting.grouped(counts[$0] ?? 0))" }.joined(separator: " · ")
        }
        var tally = counted(QueueColumns.statuses)
        let marked = (table.selection.isEmpty ? "" : "  \(table.selection.count) marked")
            + (newCount > 0 ? "  \(Formatting.grouped(newCount)) new" : "")
        // The counts give way to a message (what a key did, or why it was refused) when both do not fit: a message
        // is never cut.
        let left = " " + (message ?? position + marked)
        // Without a message, counts of zero go first when the line is short of room, so the position and the marked
        // and new counts (live alerts arriving) stay readable at 80 columns.
        if message == nil && displayWidth(of: left) + displayWidth(of: tally) + 3 > width {
            tally = counted(QueueColumns.statuses.filter { $0 == "open" || (counts[$0] ?? 0) > 0 })
        }
        let crowded = displayWidth(of: left) + displayWidth(of: tally) + 3 > width
        let right = message != nil && crowded ? "" : tally + " "
        StatusBar(left: left, right: right, style: theme.statusBar).render(into: &buffer, in: row)
        // A running scan draws its progress bar over the position (a message still wins).
        if message == nil, let backgroundScan, case .running(let progress) = backgroundScan.state {
            let detail = (progress.map { "\($0.stage) · \($0.stageNumber)/\($0.stageCount)" + ($0.secondsLeft.map { " · \(Self.duration($0)) left" } ?? "") }
                          ?? "starting") + " · X cancels"
            // The whole line: the counts come back when the scan ends.
            buffer.fill(row, style: theme.statusBar)
            ProgressBar(fraction: progress?.fraction, label: " scan", detail: detail, styles: ProgressBar.Styles(theme: theme))
                .render(into: &buffer, in: row)
        }
    }

    /// "45 s", "3 min 10 s".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s < 60 ? "\(s) s" : "\(s / 60) min \(s % 60) s"
    }

    /// A one-line prompt in place of the key hint: its key, then the text being typed.
    func drawPrompt(_ key: String, placeholder: String, input: inout TextInputState, in row: Rect, into buffer: inout CellBuffer) {
        TextInput(styles: inputStyles, placeholder: placeholder)
            .renderPrompt(" " + key, labelStyle: theme.accent, into: &buffer, in: row, state: &input)
    }

    var inputStyles: TextInput.Styles { TextInput.Styles(text: theme.text, cursor: theme.selection, placeholder: theme.dim) }
}
