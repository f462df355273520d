import Foundation

/// Training metrics as JSON lines (DESIGN §6): one object per logged step, e.g.
/// `{"step":120,"split":"train","loss":2.31,"lr":0.001,"grad_norm":0.8,"samples_per_s":41000}`.
///
/// Each line is written and flushed whole. On resume, lines past the checkpoint's step are
/// dropped first, so the file reads as one uninterrupted run.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    public init(url: URL, resumingAt step: Int?) throws {
        self.url = url
        let fm = FileManager.default
        if let step, fm.fileExists(atPath: url.path) {
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let kept = text.split(separator: "\n").filter { line in
                guard let data = line.data(using: .utf8),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let s = object["step"] as? Int else { return false }
                return s <= step
            }
            try Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8).write(to: url)
        } else {
            try Data().write(to: url)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends one record. Non-finite numbers are written as strings ("nan", "inf"), since
    /// JSON has no literal for them.
    public func write(step: Int, split: String, values: [String: Double]) {
        var object: [String: Any] = ["step": step, "split": split]
        for (k, v) in values { object[k] = v.isFinite ? v : String(v) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        handle.write(data + Data("\n".utf8))
    }
}
