import Foundation

/// Progress of a long stage: a live bar redrawn in place on a terminal, plain periodic lines
/// otherwise (CI logs, files), so logs stay readable and terminals stay quiet.
public final class ProgressReporter {
    public let label: String
    public let total: Int
    private let isTerminal: Bool
    private let lineInterval: TimeInterval
    private let started = Date()
    private var lastLine = Date.distantPast
    private let startCount: Int
    private var drewBar = false
    private let sink: LogSink

    /// - Parameters:
    ///   - startCount: steps already done before this process (a resumed run), so that the
    ///     rate and ETA count only this process's work.
    ///   - lineInterval: seconds between plain lines when not on a terminal.
    public init(label: String, total: Int, startCount: Int = 0, lineInterval: TimeInterval = 10,
                forceTerminal: Bool? = nil, sink: LogSink = .standardError) {
        self.sink = sink
        self.label = label
        self.total = total
        self.startCount = startCount
        self.lineInterval = lineInterval
        isTerminal = forceTerminal ?? (isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil)
    }

    /// Reports `done` of `total` with named figures (e.g. loss); `rateUnit` names what `perStep`
    /// counts (samples/s). Lines go to stderr so stdout stays machine-readable.
    public func update(done: Int, figures: KeyValuePairs<String, Double> = [:], perStep: Double = 0,
                       rateUnit: String = "samples/s", force: Bool = false) {
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        let stepsHere = max(0, done - startCount)
        let stepRate = elapsed > 0 ? Double(stepsHere) / elapsed : 0
        let eta = stepRate > 0 ? Double(total - done) / stepRate : .nan
        var text = "\(label) \(done)/\(total)"
        for (name, value) in figures { text += " \(name) \(Self.format(value))" }
        if perStep > 0 { text += " \(Self.format(stepRate * perStep)) \(rateUnit)" }
        text += " ETA \(Self.duration(eta))"
        let periodic = force || done >= total || now.timeIntervalSince(lastLine) >= lineInterval
        if isTerminal {
            let width = 24
            let filled = total > 0 ? min(width, width * done / total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            sink.terminal("\r\u{1B}[K[\(bar)] \(text)")
            drewBar = true
            if periodic { sink.line(text, terminal: false); lastLine = now }
            if done >= total { finish() }
        } else if periodic {
            sink.line(text)
            lastLine = now
        }
    }

    /// A message on its own line (does not break the live bar).
    public func message(_ text: String) {
        finish()
        sink.line(text)
    }

    public func finish() {
        if drewBar { sink.terminal("\n"); drewBar = false }
    }

    static func format(_ x: Double) -> String {
        if !x.isFinite { return String(x) }
        let a = abs(x)
        if a != 0 && (a < 1e-3 || a >= 1e5) { return String(format: "%.3e", x) }
        return String(format: a >= 100 ? "%.0f" : "%.4g", x)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
