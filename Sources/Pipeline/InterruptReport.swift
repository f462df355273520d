import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a run is doing, for the message printed when it is interrupted (Ctrl-C): which stage,
/// the step it had reached and the checkpoint it will resume from, and the command that resumes.
public enum InterruptReport {
    struct State {
        var stage: Stage?
        var directory: URL?
        var resumeCommand = ""
    }

    static let state = Mutex(State())
    /// Kept alive for the life of the process (a released source stops delivering).
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Called by the runner when a stage starts.
    static func enter(_ stage: Stage, directory: URL) {
        state.withLock { $0.stage = stage; $0.directory = directory }
    }

    /// Installs the SIGINT/SIGTERM handler: print where the run stopped and how to resume it,
    /// append the same line to the stage's log, and exit with 128 + the signal (130 for Ctrl-C).
    /// Checkpoints and stage outputs are written atomically, so stopping anywhere is safe.
    public static func install(resumeCommand: String) {
        state.withLock { $0.resumeCommand = resumeCommand }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            s.setEventHandler {
                let line = message()
                FileHandle.standardError.write(Data(("\n" + line + "\n").utf8))
                if let directory = state.withLock({ $0.directory }),
                   let log = try? FileHandle(forWritingTo: directory.appendingPathComponent("log.txt")) {
                    _ = try? log.seekToEnd()
                    log.write(Data((line + "\n").utf8))
                    try? log.close()
                }
                // _exit, not exit: exit runs the atexit handlers and static destructors while the
                // main thread is still inside a stage (OpenBLAS tears down its thread pool under a
                // running sgemm and segfaults). Nothing needs them: outputs are written atomically.
                fflush(nil)  // every output stream (stdout is not concurrency-safe to name here)
                _exit(128 + signalNumber)
            }
            s.resume()
            sources.append(s)
        }
    }

    /// "interrupted in stage 2 (train-teacher) at step 130 (resumes from the checkpoint of step 100); to resume: ..."
    static func message() -> String {
        let s = state.withLock { $0 }
        guard let stage = s.stage, let directory = s.directory else {
            return "interrupted before any stage started; to run: \(s.resumeCommand)"
        }
        var detail: [String] = []
        if let step = lastLoggedStep(directory) { detail.append("at step \(step)") }
        if let latest = try? String(contentsOf: directory.appendingPathComponent("checkpoints/latest"), encoding: .utf8),
           let step = Int(latest.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "step-", with: "")) {
            detail.append("resumes from the checkpoint of step \(step)")
        } else if stage == .trainTeacher || stage == .distill {
            detail.append("no checkpoint yet: the stage restarts")
        }
        return PipelineError.interrupted(stage: stage, detail: detail.joined(separator: ", "), resume: s.resumeCommand).description
    }

    /// The step of the last training line of `metrics.jsonl`, if any.
    static func lastLoggedStep(_ directory: URL) -> Int? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").reversed() {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               let step = object["step"] as? Int { return step }
        }
        return nil
    }
}
