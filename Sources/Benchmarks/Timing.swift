import Dispatch

/// Wall-clock statistics of repeated runs of one benchmark body.
public struct Timing: Codable, Sendable, Equatable {
    /// Every timed repetition, in seconds, in run order.
    public var seconds: [Double]

    public init(seconds: [Double]) {
        precondition(!seconds.isEmpty, "Timing needs at least one repetition")
        self.seconds = seconds
    }

    /// The middle repetition (the mean of the two middle ones for an even count).
    public var median: Double {
        let s = seconds.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public var min: Double { seconds.min()! }
    public var max: Double { seconds.max()! }

    /// Runs `warmup` once (untimed: first-touch page faults, BLAS and thread-pool start-up),
    /// then times `body` `repetitions` times.
    public static func measure(repetitions: Int, warmup: () throws -> Void,
                               _ body: () throws -> Void) rethrows -> Timing {
        precondition(repetitions >= 1, "Timing.measure: repetitions must be >= 1")
        try warmup()
        var times: [Double] = []
        times.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return Timing(seconds: times)
    }
}
