import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors from writing files atomically.
public enum AtomicFileError: Error, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotRename(from: String, to: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason): return "cannot create \(path): \(reason)"
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        case let .cannotRename(from, to, reason): return "cannot move \(from) to \(to): \(reason)"
        }
    }
}

/// Writes files so that a crash never leaves a half-written file under the real name:
/// the content goes to a temporary file in the same directory, is flushed to disk (fsync),
/// and is then renamed over the destination (rename is atomic within one file system).
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try replace(url) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                throw AtomicFileError.cannotCreate(path: tmp.path, reason: String(cString: strerror(errno)))
            }
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    guard n > 0 else {
                        throw AtomicFileError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
                    }
                    offset += n
                }
            }
        }
    }

    /// Lets `produce` write the file at a temporary path (e.g. through a C library that
    /// opens paths itself), then fsyncs it and renames it to `url`. If `produce` throws, the
    /// temporary file is removed and `url` is left as it was.
    public static func replace(_ url: URL, produce: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw AtomicFileError.cannotCreate(path: url.path, reason: "directory \(directory.path) does not exist")
        }
        let tmp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try produce(tmp)
            try fsyncFile(tmp, displayPath: url.path)
            guard rename(tmp.path, url.path) == 0 else {
                throw AtomicFileError.cannotRename(from: tmp.path, to: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(tmp.path)
            throw error
        }
        // Make the rename itself durable.
        let dfd = open(directory.path, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    private static func fsyncFile(_ url: URL, displayPath: String) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw AtomicFileError.cannotWrite(path: displayPath, reason: "temporary file vanished: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw AtomicFileError.cannotWrite(path: displayPath, reason: String(cString: strerror(errno)))
        }
    }
}
