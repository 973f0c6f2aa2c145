import ArgumentParser
import VigilCore
import VigilStore

struct Doctor: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a store without changing it: the file's integrity, its references, the import ledger and the audit trail.",
        discussion: """
            Opens the store read-only (it never creates or writes it), runs SQLite's integrity check and foreign key
            check, reconciles each import's recorded counts with the rows stored from it, and verifies the audit
            trail. Prints one line per check and, when something is wrong, what to do; exits 1 then.
            """)

    @OptionGroup var storeOption: StoreOption

    /// One check's outcome: the lines to print and the advice when it found a problem.
    struct Finding {
        var name: String
        var problems: [String]
        var summary: String
        var advice: String?
    }

    func run() throws {
        let store = try storeOption.openReadOnly()
        let path = store.path
        var findings: [Finding] = []
        // Each check reads on its own, so one that fails on a damaged page leaves the others to report.
        func check(_ name: String, advice: String, _ body: () throws -> (problems: [String], summary: String)) {
            do {
                let (problems, summary) = try body()
                findings.append(Finding(name: name, problems: problems, summary: summary, advice: problems.isEmpty ? nil : advice))
            } catch {
                let explained = StoreError.explaining(error, path: path)
                var reason = "\(explained)"
                if case StoreError.damaged(_, let cause) = explained { reason = cause }
                findings.append(Finding(name: name, problems: ["could not be checked: \(reason)"], summary: "",
                                        advice: "The file is damaged: " + StoreError.recoveryAdvice(path: path)))
            }
        }
        let recover = "The file is damaged: " + StoreError.recoveryAdvice(path: path) + ", then run `vigil doctor` on that"
        var integrity: [String] = []
        check("file integrity", advice: recover) {
            integrity = try store.integrityProblems()
            return (integrity, "ok (every page, index and constraint checked)")
        }
        // Entries missing from an index, or left over in one, are mended by rebuilding the indexes from the tables.
        if !integrity.isEmpty, integrity.allSatisfy({ $0.contains(" from index ") || $0.hasPrefix("wrong # of entries in index") }),
           let at = findings.indices.last {
            findings[at].advice = "Only indexes are damaged, and rebuilding them from the tables mends that: keep a copy "
                + "of the file, then run `sqlite3 \(path) 'REINDEX'` and `vigil doctor` again"
        }
        let bug = "The store's rows disagree with each other: the file was edited outside Vigil, or Vigil has a bug. "
            + "Keep a copy of the file and report it"
        check("references", advice: bug) {
            let broken = try store.brokenReferences()
            return (broken.map { "\(Formatting.grouped($0.rows)) rows of \($0.table) refer to \($0.parent) rows that are not stored" }, "ok")
        }
        check("import ledger", advice: bug) {
            (try store.ledgerProblems(), "ok (each import's counts match the rows stored from it)")
        }
        check("audit trail", advice: "The audit trail was changed outside Vigil. Keep the file as evidence, and restore "
              + "the store from a backup to go on deciding") {
            switch try store.verifyAuditChain() {
            case .intact(let events): return ([], "intact (\(Formatting.grouped(events)) triage events)")
            case .sealsUnchecked(let events, let reason):
                return ([], "links and hashes intact (\(Formatting.grouped(events)) triage events); seals NOT checked: \(reason)")
            case .broken(let id, let reason): return (["broken at triage event #\(id): \(reason)"], "")
            case .damaged(let problems): return (problems.map { "its pages are damaged: \($0)" }, "")
            }
        }
        print(Sanitize.line("store \(path)"))
        for finding in findings {
            if finding.problems.isEmpty {
                print(Sanitize.line("  \(finding.name): \(finding.summary)"))
            } else {
                print(Sanitize.line("  \(finding.name): PROBLEM"))
                for problem in finding.problems { print(Sanitize.line("    - \(problem)")) }
            }
        }
        let advice = findings.compactMap(\.advice).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard advice.isEmpty else {
            print("What to do:")
            for line in advice { print(Sanitize.line("  " + line)) }
            throw ExitCode(1)
        }
        print("no problems found")
    }
}
