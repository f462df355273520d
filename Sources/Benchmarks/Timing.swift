import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and CPU-time statistics of repeated runs of one benchmark body.
///
/// CPU time is the process's user + system time over the run (all threads), from getrusage.
/// On an idle machine it is about wall time times the threads the body keeps busy; when other
/// processes compete for the cores, wall time grows and CPU time stays (nearly) put, so their
/// ratio shows how much of a timing is contention.
public struct Timing: Codable, Sendable, Equatable {
    /// Every timed repetition, in seconds, in run order.
    public var seconds: [Double]
    /// The process's CPU seconds of each repetition.
    public var cpuSeconds: [Double]

    public init(seconds: [Double], cpuSeconds: [Double]? = nil) {
        precondition(!seconds.isEmpty, "Timing needs at least one repetition")
        precondition(cpuSeconds == nil || cpuSeconds!.count == seconds.count, "Timing: one CPU time per repetition")
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds ?? seconds
    }

    /// The middle repetition (the mean of the two middle ones for an even count).
    public var median: Double { Self.median(seconds) }
    public var min: Double { seconds.min()! }
    public var max: Double { seconds.max()! }
    public var medianCPU: Double { Self.median(cpuSeconds) }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Runs `warmup` once (untimed: first-touch page faults, BLAS and thread-pool start-up),
    /// then times `body` `repetitions` times.
    public static func measure(repetitions: Int, warmup: () throws -> Void,
                               _ body: () throws -> Void) rethrows -> Timing {
        precondition(repetitions >= 1, "Timing.measure: repetitions must be >= 1")
        try warmup()
        var times: [Double] = [], cpu: [Double] = []
        times.reserveCapacity(repetitions)
        for _ in 0..<repetitions {
            let cpu0 = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            cpu.append(processCPUSeconds() - cpu0)
        }
        return Timing(seconds: times, cpuSeconds: cpu)
    }

    /// User + system CPU seconds of this process so far (all threads).
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
