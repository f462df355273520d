import Foundation

/// Where a stage's messages go: stderr (the user's terminal or CI log) and, optionally, the
/// stage's `log.txt`, line by line, flushed as written.
public final class LogSink: @unchecked Sendable {
    private let file: FileHandle?
    private let lock = NSLock()
    private let quiet: Bool

    /// - Parameter file: appended to (created if missing); nil: stderr only.
    public init(file: URL? = nil) throws {
        quiet = false
        if let file {
            if !FileManager.default.fileExists(atPath: file.path) {
                // A failure surfaces just below, as FileHandle's error naming the file.
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: file)
            try handle.seekToEnd()
            self.file = handle
        } else {
            self.file = nil
        }
    }

    private init(silent: Void) {
        file = nil
        quiet = true
    }

    deinit { try? file?.close() }

    /// Writes nothing: the sink of the members of a process group other than the primary,
    /// whose messages would repeat the primary's.
    public static let silent = LogSink(silent: ())

    public static let standardError: LogSink = {
        // Creating a sink without a file cannot fail.
        try! LogSink(file: nil)
    }()

    /// A whole line to stderr (unless `terminal` is false) and to the file.
    public func line(_ text: String, terminal: Bool = true) {
        if quiet { return }
        lock.lock()
        defer { lock.unlock() }
        let data = Data((text + "\n").utf8)
        if terminal { FileHandle.standardError.write(data) }
        file?.write(Data(("[\(Self.timestamp())] " + text + "\n").utf8))
    }

    /// Raw text to stderr only (the live progress bar).
    public func terminal(_ text: String) {
        if quiet { return }
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: Date())
    }
}
