import Foundation
import Testing

/// The pipeline through the real executable: a run killed mid-stage resumes from its last
/// checkpoint without redoing completed stages.
@Suite(.serialized) struct PipelineCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func killedRunResumesWithoutRedoingCompletedStages() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        // debug.yaml with a longer teacher training, so that the kill lands inside stage 2.
        var yaml = try String(contentsOf: Self.root.appendingPathComponent("Pipelines/debug.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "audio/speech/ru_nsh", with: Self.root.appendingPathComponent("audio/speech/ru_nsh").path)
        yaml = yaml.replacingOccurrences(of: "    steps: 20                  # optimiser steps", with: "    steps: 4000")
        try workspace.write(yaml, to: "p.yaml")
        let exp = workspace.file("exp")

        let process = Process()
        process.executableURL = runner.executable
        process.arguments = ["run", "p.yaml", "--exp-dir", exp.path, "--stop-stage", "2"]
        process.currentDirectoryURL = workspace.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let latest = exp.appendingPathComponent("02-train-teacher/checkpoints/latest")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: latest.path) && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the run ended before it could be interrupted")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killedAt = try String(contentsOf: latest, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        // Resume with fewer total steps so the test stays short: the stage config must be the
        // same for a resume, so instead re-run the identical command and stop it once it has
        // resumed and saved a later checkpoint.
        let again = Process()
        again.executableURL = runner.executable
        again.arguments = ["run", "p.yaml", "--exp-dir", exp.path, "--stop-stage", "2"]
        again.currentDirectoryURL = workspace.url
        let errorPipe = Pipe()
        again.standardError = errorPipe
        again.standardOutput = FileHandle.nullDevice
        try again.run()
        var resumedLater = false
        let deadline2 = Date().addingTimeInterval(120)
        while Date() < deadline2 && again.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            if let now = try? String(contentsOf: latest, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
               now > killedAt { resumedLater = true; break }
        }
        kill(again.processIdentifier, SIGKILL)
        again.waitUntilExit()
        let log = try String(contentsOf: exp.appendingPathComponent("02-train-teacher/log.txt"), encoding: .utf8)
        let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(resumedLater, "no later checkpoint after the restart")
        #expect(log.contains("resuming from") && log.contains(killedAt), "log does not show a resume from \(killedAt)")
        #expect(stderr.contains("stage 1 (prepare): complete, skipped"), "prepare was redone")
    }
}
