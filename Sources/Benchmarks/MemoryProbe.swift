import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Resident memory of this process, from /proc/self/status.
///
/// A process's peak resident size (VmHWM, also getrusage's ru_maxrss) only ever grows, so
/// reading it after several benchmark paths would charge every path with the largest one
/// before it. `resetPeak()` makes the peak per path:
/// 1. `malloc_trim(0)` hands memory freed by the previous path back to the kernel, so the
///    resident size drops to what is really live (models, inputs, the report);
/// 2. writing "5" to /proc/self/clear_refs (Linux >= 4.0) resets VmHWM to the current VmRSS.
/// The peak read after the path is then the path's own high-water mark, including the live
/// baseline (which is reported next to it). Where clear_refs is not writable, the peak stays
/// process-wide and monotone, and the report says so (`peak_rss_reset: false`).
public enum MemoryProbe {
    public struct Snapshot: Sendable {
        /// VmRSS: resident now, in KiB.
        public var residentKiB: Int
        /// VmHWM: the peak resident size since start or the last reset, in KiB.
        public var peakKiB: Int
    }

    /// The current VmRSS and VmHWM (zeros if /proc is not available).
    public static func snapshot() -> Snapshot {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return Snapshot(residentKiB: 0, peakKiB: 0)
        }
        var rss = 0, hwm = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = kibibytes(line) }
            if line.hasPrefix("VmHWM:") { hwm = kibibytes(line) }
        }
        return Snapshot(residentKiB: rss, peakKiB: max(hwm, rss))
    }

    /// Returns freed heap memory to the kernel and resets the peak to the current resident
    /// size. Returns false when the peak could not be reset.
    @discardableResult
    public static func resetPeak() -> Bool {
        trimHeap()
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (its header, malloc.h, is not part of
    /// Swift's Glibc module); a no-op on other C libraries.
    private static func trimHeap() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    private static func kibibytes(_ line: Substring) -> Int {
        // "VmHWM:\t  123456 kB"
        Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }
}
