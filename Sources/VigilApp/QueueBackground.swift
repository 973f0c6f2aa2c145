import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// What changes the queue while the analyst is idle: a scan run in the background, the processes scoring live,
/// and other analysts' decisions. The run loop polls them as ticks (`WorkbenchModel.poll`), never while drawing.
extension QueueModel: WorkbenchModel {
    public func keyArrived() { message = nil }

    /// Ends a finished scan, then reloads if anything else committed, then reads the live scorers; true when the
    /// screen changed.
    public func poll() throws -> Bool {
        var changed = try pollBackgroundScan()
        if backgroundScan == nil { changed = try refreshIfChanged() || changed }
        return try pollLive() || changed
    }

    public var isBusy: Bool { backgroundScan != nil }

    /// A background scan is cancelled and waited for on the way out, so the store is never left mid-write by us.
    public func finish() {
        guard let backgroundScan else { return }
        backgroundScan.cancel()
        backgroundScan.wait()
    }

    // MARK: - Background scans

    /// Starts a background scan of `detectors` (the configured ones when empty), unless one is running.
    public func startScan(_ detectors: [Detector]) {
        if let backgroundScan, case .running = backgroundScan.state {
            message = "a scan is already running (X cancels it)"
            return
        }
        var options = scanOptions
        if !detectors.isEmpty { options.detectors = Set(detectors) }
        // Its own connection, so the screen's reads never queue behind the scan's.
        let scan = BackgroundScan(storePath: store.path, options: options)
        scan.start()
        backgroundScan = scan
        // The status line shows its progress from the next frame on.
        message = nil
    }

    public func cancelScan() {
        guard let backgroundScan, case .running = backgroundScan.state else { message = "no scan is running"; return }
        backgroundScan.cancel()
        message = "cancelling the scan…"
    }

    /// When a background scan has ended, reloads the queue and says how it went. True when the screen changed.
    public func pollBackgroundScan() throws -> Bool {
        guard let scan = backgroundScan else { return false }
        switch scan.state {
        case .running:
            return true
        case .finished(let report):
            backgroundScan = nil
            try reload()
            let refresh = report.alerts
            message = "scan done in \(String(format: "%.1f", report.totalSeconds)) s: "
                + (refresh.map { "\(Formatting.grouped($0.opened)) new alerts, \(Formatting.grouped($0.updated)) updated, "
                    + "\(Formatting.grouped($0.withdrawn)) withdrawn, \(Formatting.grouped($0.keptTriaged)) triaged kept as they were" }
                   ?? "\(Formatting.grouped(report.alertsSelected)) selected")
        case .failed(let error):
            backgroundScan = nil
            message = "scan failed: \(error)"
        case .cancelled:
            backgroundScan = nil
            try reload()
            message = "scan cancelled: the queue is as it was"
        }
        return true
    }

    // MARK: - Live scoring

    /// "● live 1,250/s" while a process scores arriving transactions (the sum of their rates), nil otherwise.
    public var liveIndicator: String? {
        guard !liveScorers.isEmpty else { return nil }
        let rate = liveScorers.reduce(0) { $0 + $1.rate }
        return "● live \(Formatting.grouped(Int(rate.rounded())))/s"
    }

    /// Reads which processes are scoring live. True when the indicator changed.
    public func pollLive() throws -> Bool {
        let before = liveIndicator
        liveScorers = try store.liveScorers()
        return liveIndicator != before
    }
}
