import Foundation
import Testing

/// The binary copied out of the build folder, as an install puts it: it carries the shipped themes itself.
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
}
