import Foundation
import Testing
import VigilCore
@testable import VigilStore

/// `PrivateFile`: an export goes to a new private file renamed into place, never through a link or into a device,
/// and a writer that fails or gives up leaves the target as it was.
@Suite struct PrivateFileTests {
    let scratch = ScratchDirectory()

    func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".tmp") }
    }

    @Test func aWriteReplacesTheFileWholeAndPrivate() throws {
        let path = scratch.file("report.md", "old content that is longer than the new\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try PrivateFile.write("new\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new\n")
        #expect(try mode(path) == 0o600)
        #expect(try leftovers() == [])
    }

    @Test func nothingReachesTheTargetBeforeCommitAndAWriterGivenUpLeavesItAlone() throws {
        let path = scratch.file("export.csv", "old\n")
        do {
            let writer = try PrivateFile.create(path)
            try writer.write(String(repeating: "x", count: 3 << 20))  // past the buffer: really written to the disk
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
            #expect(try leftovers().count == 1)
        }
        // Dropped without a commit, as when the export fails half way.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try leftovers() == [])
        let fresh = scratch.path + "/fresh.csv"
        let writer = try PrivateFile.create(fresh)
        try writer.write("a,b\n")
        writer.discard()
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(throws: PrivateFile.CannotWrite.self) { try writer.commit() }
    }

    @Test func linksDevicesPipesAndDirectoriesAreRefusedAndLeftAsTheyWere() throws {
        let victim = scratch.file("victim", "keep\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: victim)
        let symlink = scratch.path + "/symlink"
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: victim)
        let dangling = scratch.path + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: scratch.path + "/nowhere")
        let hardLink = scratch.path + "/hardlink"
        try FileManager.default.linkItem(atPath: victim, toPath: hardLink)
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let refused: [(String, String)] = [
            (symlink, "it is a symbolic link (to \(victim))"), (dangling, "it is a symbolic link"),
            (hardLink, "it is a file with 2 hard links"), (fifo, "it is a named pipe (FIFO)"),
            (scratch.path, "it is a directory"), ("/dev/null", "it is a device"), ("/dev/full", "it is a device"),
        ]
        for (path, reason) in refused {
            let error = #expect(throws: PrivateFile.CannotWrite.self) { try PrivateFile.write("data\n", to: path) }
            #expect(error?.description.hasPrefix("cannot write \(path): \(reason)") == true, "\(String(describing: error))")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        #expect(try mode(victim) == 0o644 && mode(fifo) == 0o644)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/nowhere"))
        #expect(try leftovers() == [])
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        let path = scratch.path + "/no/such/dir/report.md"
        let error = #expect(throws: PrivateFile.CannotWrite.self) { try PrivateFile.write("x", to: path) }
        #expect(error?.description.contains("No such file or directory") == true, "\(String(describing: error))")
    }

    @Test func aPathWithControlCharactersIsShownSafely() throws {
        let path = scratch.path + "/\u{1B}[31mlink"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/null")
        let error = #expect(throws: PrivateFile.CannotWrite.self) { try PrivateFile.write("x", to: path) }
        #expect(error?.description.contains("␛[31mlink") == true && error?.description.contains("\u{1B}") == false)
    }
}
