import CZlib
import Foundation

/// Reads a file's bytes, transparently decompressing gzip (zlib reads plain files unchanged), or bytes
/// already in memory (the fuzz target feeds the importer's reader this way, with no file per input).
final class ByteSource {
    let path: String
    let fileSize: Int64
    private var file: gzFile?
    private var memory: [UInt8]?
    private var memoryOffset = 0
    /// Whether the bytes handed back are the file's own (a plain file: zlib passes it through unchanged).
    private(set) var isPlainFile = false
    /// Sees every byte handed back, in order, then the end (the import hashes a plain file this way as it reads).
    var observer: (any ByteSourceObserver)?

    /// Bytes held in memory, read as they are (no decompression); `name` stands for the path in messages.
    init(bytes: [UInt8], name: String) {
        path = name
        fileSize = Int64(bytes.count)
        memory = bytes
    }

    init(path: String) throws(ImportError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .cannotRead(file: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotRead(file: path, reason: "not a regular file")
        }
        fileSize = Int64(info.st_size)
        guard let handle = gzopen(path, "rb") else {
            throw .cannotRead(file: path, reason: String(cString: strerror(errno)))
        }
        gzbuffer(handle, 1 << 18)
        file = handle
        isPlainFile = gzdirect(handle) != 0
    }

    deinit { close() }

    func close() {
        if let file { gzclose(file) }
        file = nil
        memory = nil
    }

    /// Fills `buffer` with up to `capacity` bytes; 0 at the end of the data.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws(ImportError) -> Int {
        if let memory {
            let n = min(capacity, memory.count - memoryOffset)
            memory.withUnsafeBufferPointer { all in
                if n > 0 { buffer.update(from: all.baseAddress! + memoryOffset, count: n) }
            }
            memoryOffset += n
            return n
        }
        guard let file else { return 0 }
        let n = gzread(file, buffer, UInt32(capacity))
        if n < 0 {
            throw .cannotRead(file: path, reason: "corrupt or truncated data: \(zlibError(file).message)")
        }
        if n > 0 { observer?.update(UnsafeRawBufferPointer(start: buffer, count: Int(n))) }
        if n == 0 {
            // zlib reports a gzip stream cut short only through gzerror, after a read that returned nothing.
            let (code, message) = zlibError(file)
            if code != Z_OK && code != Z_STREAM_END {
                throw .cannotRead(file: path, reason: "corrupt or truncated compressed data (\(message))")
            }
            observer?.finish()
            observer = nil
        }
        return Int(n)
    }

    /// zlib's last error for `file`, without the path zlib puts in front of its message.
    private func zlibError(_ file: gzFile) -> (code: Int32, message: String) {
        var code: Int32 = 0
        var message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
        if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
        return (code, message)
    }

    /// How far into the file (compressed bytes) reading has got, for progress.
    var offset: Int64 {
        if memory != nil { return Int64(memoryOffset) }
        guard let file else { return fileSize }
        return Int64(gzoffset(file))
    }
}

/// Sees the bytes a `ByteSource` hands back, in order, and then their end.
protocol ByteSourceObserver: AnyObject {
    func update(_ bytes: UnsafeRawBufferPointer)
    func finish()
}
