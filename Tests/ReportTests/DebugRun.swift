import Foundation
import Pipeline

/// The debug recipe run once per test process (all six stages, in a temporary directory), shared
/// by the report's tests: the report is written by the evaluate and bench stages themselves.
enum DebugRun {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The experiment directory of the shared run (removed when the test process exits).
    static func directory() throws -> URL { try shared.get() }

    private static let location = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-report-\(UUID().uuidString)")

    private static let shared: Result<URL, any Error> = Result {
        atexit { try? FileManager.default.removeItem(at: DebugRun.location) }
        var config = try PipelineConfig.load(repositoryRoot.appendingPathComponent("Pipelines/debug.yaml"))
        config.data.audioDirs = config.data.audioDirs.map { repositoryRoot.appendingPathComponent($0).path }
        try PipelineRunner(experiment: Experiment(config: config, directory: location)).run(stages: 1...6)
        return location
    }

    /// A fresh copy of the shared run, for tests that damage it (removed by the caller).
    static func copy() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-report-copy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: try directory(), to: copy)
        return copy
    }
}
