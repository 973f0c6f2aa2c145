import Foundation
import Testing

/// The binary copied out of the build folder, as an install puts it: it carries the shipped themes itself, and
/// `scripts/install.sh` puts it, its completions and its man page under a prefix, from where an analyst's whole day
/// runs with nothing from the source tree.
@Suite struct InstalledBinaryTests {
    let scratch = Scratch()

    @Test func aBinaryCopiedOutOfTheBuildFolderStillHasTheShippedThemes() throws {
        let bin = scratch.path + "/bin"
        // Copied by cp in a process of its own: a copy written from this process could be inherited, open for
        // writing, by a child another test spawns at that moment, and running it would fail as "text file busy".
        try Harness.shell("mkdir -p \(bin) && cp \(Harness.binary) \(bin)/vigil")
        // No theme folder anywhere it looks: not beside the binary, not in the (empty) data folders, not in $VIGIL_THEMES.
        let run = "cd \(scratch.path) && env -u VIGIL_THEMES HOME=\(scratch.path) XDG_DATA_HOME=\(scratch.path)/data \(bin)/vigil"
        let light = try Harness.shell(run + " --theme light 2>&1")
        #expect(!light.contains("no such theme"), "\(light)")
        #expect(light.contains("the workbench needs a terminal"), "the theme loaded, then the missing terminal stopped it: \(light)")
        let unknown = try Harness.shell(run + " --theme nosuch 2>&1")
        #expect(unknown.contains("nosuch: no such theme (available: dark, high-contrast, light)"), "\(unknown)")
    }

    /// Installs with scripts/install.sh into a scratch prefix (the binary the tests built stands in for the release
    /// one), then runs what an analyst runs from a folder of their own, with an empty environment and HOME.
    @Test func theInstalledBinaryRunsAnAnalystsCommandsFromAnotherFolder() throws {
        let prefix = scratch.path + "/prefix", man = scratch.path + "/man", work = scratch.path + "/work"
        let home = scratch.path + "/home"
        try Harness.shell("mkdir -p \(man) \(work) \(home) && printf '.TH \"VIGIL\" \"1\"\\n' > \(man)/vigil.1"
                          + " && cp \(Harness.fixture("cards-2023-sample.csv")) \(work)/cards.csv")
        let install = try Harness.shell("VIGIL_BINARY=\(Harness.binary) VIGIL_MAN_DIR=\(man) "
                                        + "\(Harness.packageRoot)/scripts/install.sh \(prefix) 2>&1; echo \"[exit $?]\"")
        #expect(install.hasSuffix("[exit 0]\n"), "\(install)")
        for file in ["bin/vigil", "share/bash-completion/completions/vigil", "share/zsh/site-functions/_vigil",
                     "share/fish/vendor_completions.d/vigil.fish", "share/man/man1/vigil.1"] {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "install.sh put no \(file): \(install)")
        }

        // Nothing inherited: no $VIGIL_STORE, $VIGIL_THEMES or $USER, a HOME of its own, only the system's PATH.
        func vigil(_ arguments: String) throws -> (status: String, output: String) {
            let output = try Harness.shell("cd \(work) && env -i HOME=\(home) PATH=\(prefix)/bin:/usr/bin:/bin "
                                           + "vigil \(arguments) 2>&1; echo \"[exit $?]\"")
            let status = output.components(separatedBy: "\n").dropLast().last ?? ""
            return (status, output)
        }
        func succeeds(_ arguments: String, saying expected: String) throws {
            let (status, output) = try vigil(arguments)
            #expect(status == "[exit 0]" && output.contains(expected), "vigil \(arguments): \(output)")
        }
        try succeeds("--help", saying: "SUBCOMMANDS:")
        try succeeds("demo --store demo.sqlite --clients 20 --days 30 --seed 3", saying: "generated 1,172 transactions")
        try succeeds("stats --store demo.sqlite", saying: "transactions    1,172")
        // The default store, ./vigil.sqlite, in the analyst's folder.
        try succeeds("import cards.csv", saying: "read 1,021 rows: imported 1,021, rejected 0, duplicate 0")
        try succeeds("scan", saying: "alert queue:")
        try succeeds("alerts --limit 3", saying: "#1  0.")
        try succeeds("triage --alert 1 --decision fraud --analyst ana --note called", saying: "alert #1: open → confirmed fraud")
        try succeeds("cases --status all --limit 3", saying: "decided: confirmed fraud")
        try succeeds("report --format md", saying: "1 case, 1 alert.")
        try succeeds("audit verify", saying: "audit trail intact: 1 triage events")
        #expect(FileManager.default.fileExists(atPath: work + "/vigil.sqlite"))

        // The installed bash completion completes the installed binary's commands and their options.
        let completion = prefix + "/share/bash-completion/completions/vigil"
        func complete(_ line: String) throws -> String {
            try Harness.shell("env -i PATH=\(prefix)/bin:/usr/bin:/bin bash -c '. \(completion); COMP_LINE=\"\(line)\"; "
                              + "read -ra COMP_WORDS <<< \"$COMP_LINE\"; COMP_WORDS+=(\"\"); "
                              + "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_POINT=${#COMP_LINE}; "
                              + "_vigil vigil \"\" \"${COMP_WORDS[COMP_CWORD-1]}\"; echo \"${COMPREPLY[*]}\"'")
        }
        let commands = try complete("vigil ")
        #expect(["import", "scan", "alerts", "triage", "cases", "report", "audit"].allSatisfy {
            commands.split(separator: " ").contains(Substring($0))
        }, "\(commands)")
        #expect(try complete("vigil audit ") == "-h --help verify log anchor\n")
        #expect(try complete("vigil report --format ") == "csv json md\n")
    }

    /// Every command declared in Sources/vigil is reachable from `vigil`, and `vigil --help` lists each of the
    /// top-level ones Vigil.swift names, in its order: a command written but never added to a `subcommands:` list,
    /// or hidden from the help, fails here.
    @Test func helpListsEveryCommand() throws {
        let sources = Harness.packageRoot + "/Sources/vigil"
        let text = try FileManager.default.contentsOfDirectory(atPath: sources).filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOfFile: sources + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
        func matches(_ pattern: String, in text: String) -> [String] {
            let regex = try! NSRegularExpression(pattern: pattern)
            return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
                String(text[Range($0.range(at: 1), in: text)!])
            }
        }
        func types(in list: String) -> [String] { matches("([A-Za-z]+)\\.self", in: list) }
        let declared = Set(matches("struct ([A-Za-z]+)\\s*:\\s*(?:Async)?ParsableCommand\\b", in: text))
        let lists = matches("subcommands:\\s*\\[([^\\]]*)\\]", in: text)
        #expect(declared.subtracting(["Vigil"]) == Set(lists.flatMap(types)), "declared commands never registered, or the other way")

        let vigilSwift = try String(contentsOfFile: sources + "/Vigil.swift", encoding: .utf8)
        let topLevel = try #require(matches("subcommands:\\s*\\[([^\\]]*)\\]", in: vigilSwift).first)
        // ArgumentParser's default name for a command type: its words, lower case, joined by hyphens.
        let expected = types(in: topLevel).map {
            $0.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1-$2", options: .regularExpression).lowercased()
        }
        #expect(expected.count >= 20)
        let help = try Harness.run(["--help"], environment: ["COLUMNS": "200"])
        #expect(help.status == 0)
        let listed = help.stdout.components(separatedBy: "SUBCOMMANDS:\n").last!.components(separatedBy: "\n\n")[0]
            .components(separatedBy: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .map { String($0.dropFirst(2).prefix { $0 != " " }) }
        #expect(listed == expected, "\(help.stdout)")
    }
}
