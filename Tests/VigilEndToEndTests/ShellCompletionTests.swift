import Foundation
import Testing

/// The zsh and fish completions `scripts/install.sh` writes load the way docs/install.md says (zsh from a folder in
/// `$fpath` through compinit, fish from `vendor_completions.d` under a data folder, without being sourced) and complete
/// the installed binary's commands, subcommands and option values. bash is covered by `InstalledBinaryTests`.
@Suite struct ShellCompletionTests {
    let scratch = Scratch()

    /// Completes `line` in an interactive zsh run in a pseudo-terminal (zsh's own zpty module), as a Tab would:
    /// `compadd` is wrapped to record what each completion function offers, and a post-completion hook marks the end,
    /// so the result is read once completion is over rather than after a guessed delay.
    static let zshCapture = #"""
        zmodload zsh/zpty
        out=$2
        zpty z zsh -f -i
        zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
        zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; print -rl -- $hits >> '$out'; builtin compadd "$@" }'
        zpty -w z 'done_marker() { print -r -- "[done]" >> '$out' }; comppostfuncs=(done_marker)'
        zpty -w z "bindkey '^I' complete-word"
        zpty -w -n z "$3"$'\t'
        for i in {1..1200}; do grep -qx '\[done\]' $out 2>/dev/null && break; sleep 0.05; done
        zpty -d z
        """#

    func install() throws -> String {
        let prefix = scratch.path + "/prefix"
        let install = try Harness.shell("VIGIL_BINARY=\(Harness.binary) VIGIL_MAN_DIR=\(scratch.path)/none "
                                        + "\(Harness.packageRoot)/scripts/install.sh \(prefix) 2>&1; echo \"[exit $?]\"")
        #expect(install.hasSuffix("[exit 0]\n"), "\(install)")
        return prefix
    }

    /// What each shell offers after `line`, sorted and without repeats.
    func zsh(_ prefix: String, _ line: String) throws -> [String] {
        let script = scratch.path + "/capture.zsh", out = scratch.path + "/zsh-\(UUID().uuidString).txt"
        try Self.zshCapture.write(toFile: script, atomically: true, encoding: .utf8)
        let run = try Harness.shell("cd \(scratch.path) && env -i HOME=\(scratch.path) PATH=\(prefix)/bin:/usr/bin:/bin "
                                    + "zsh -f \(script) \(prefix)/share/zsh/site-functions \(out) '\(line)' 2>&1")
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(lines.last == "[done]", "zsh did not finish completing '\(line)': \(run)")
        return Set(lines.dropLast()).sorted()
    }

    func fish(_ prefix: String, _ line: String) throws -> [String] {
        let output = try Harness.shell("cd \(scratch.path) && env -i HOME=\(scratch.path) XDG_DATA_DIRS=\(prefix)/share "
                                       + "PATH=\(prefix)/bin:/usr/bin:/bin fish -c \"complete -C '\(line)'\" 2>&1")
        return Set(output.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }).sorted()
    }

    @Test func zshAndFishCompleteTheInstalledCommands() throws {
        let prefix = try install()
        let zshCommands = try zsh(prefix, "vigil ")
        let fishCommands = try fish(prefix, "vigil ")
        #expect(["alerts", "analysts", "audit", "cases", "import", "key", "report", "scan", "triage"].allSatisfy(zshCommands.contains),
                "\(zshCommands)")
        #expect(zshCommands == fishCommands)
        #expect(try zsh(prefix, "vigil audit ") == ["anchor", "log", "verify"])
        #expect(try fish(prefix, "vigil audit ") == ["anchor", "log", "verify"])
        #expect(try zsh(prefix, "vigil report --format ") == ["csv", "json", "md"])
        #expect(try fish(prefix, "vigil report --format ") == ["csv", "json", "md"])
    }
}
