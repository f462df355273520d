import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an experiment directory (`flock` on `<exp>/.lock`), held for the whole
/// of a `run` or stage command. Two runs on one directory would interleave their stages and
/// leave a directory whose config, DONE markers and weights come from different recipes; the
/// second run fails at once instead, naming the holder. The kernel releases the lock when the
/// holder exits, however it exits (kill -9 included), so a stale lock file is harmless.
public final class ExperimentLock {
    public static let fileName = ".lock"
    private let descriptor: Int32

    /// Takes the lock or throws `PipelineError.locked` (naming the holder's PID and command, read
    /// from the lock file) or `.cannotWrite` (the directory cannot be created or written).
    public init(directory: URL) throws {
        try Self.makeDirectories(directory.path)
        let path = directory.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError.cannotWrite(path: directory.path, reason: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.contents(of: fd)
            close(fd)
            throw PipelineError.locked(directory: directory.path, holder: holder)
        }
        descriptor = fd
        // Who holds it, for the message of a second run: "<pid> <command line>".
        let line = "\(getpid()) \(CommandLine.arguments.joined(separator: " "))\n"
        _ = ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func contents(of fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "another process" : "PID \(text)"
    }

    /// `mkdir -p` with the POSIX reason of a failure ("Not a directory", "Permission denied"):
    /// Foundation reports only "NSCocoaErrorDomain error 512" here.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let code = errno
            var status = stat()
            if code == EEXIST, stat(prefix, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { continue }
            let reason = code == EEXIST ? "\(prefix) exists and is not a directory" : "\(prefix): \(String(cString: strerror(code)))"
            throw PipelineError.cannotWrite(path: path, reason: reason)
        }
    }

    /// The cause of a failed write in words: the POSIX error under a Foundation error
    /// ("Permission denied", "No space left on device"), not "NSCocoaErrorDomain error 513".
    static func reason(_ error: any Error) -> String {
        if let pipeline = error as? PipelineError { return pipeline.description }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
            case NSFileWriteOutOfSpaceError: return "no space left on the device"
            case NSFileWriteVolumeReadOnlyError: return "read-only file system"
            default: break
            }
        }
        return CLIFriendly.oneLine(String(describing: error))
    }
}

/// Text of an error on one line.
enum CLIFriendly {
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: "; ")
    }
}
