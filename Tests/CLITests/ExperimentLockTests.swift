import Foundation
import Testing

/// Issue 15: two runs on one experiment directory interleaved their stages (a DONE from one
/// recipe, a student from the other). The second run must fail at once, naming the holder.
@Suite(.serialized) struct ExperimentLockTests {
    @Test func secondRunOnTheSameDirectoryIsRefused() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try BadInputCommandTests.writeDebugRecipe(workspace) {
            $0.replacingOccurrences(of: "    steps: 20                  # optimiser steps", with: "    steps: 100000")
        }
        let first = Process()
        first.executableURL = runner.executable
        first.arguments = ["run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "2"]
        first.currentDirectoryURL = workspace.url
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() } }
        // Wait until the first run holds the lock and has recorded itself.
        let lockFile = workspace.file("exp/.lock")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && first.isRunning {
            if let text = try? String(contentsOf: lockFile, encoding: .utf8), text.hasPrefix("\(first.processIdentifier) ") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(first.isRunning, "the first run ended before the second started")

        // A different recipe (another seed) on the same directory: refused at once.
        try BadInputCommandTests.writeDebugRecipe(workspace) { $0.replacingOccurrences(of: "seed: 1 ", with: "seed: 2 ") }
        let started = Date()
        let second = try runner.run(["run", "p.yaml", "--exp-dir", "exp"], in: workspace.url)
        #expect(Date().timeIntervalSince(started) < 10)
        BadInputCommandTests.expectOneLineError(second, ["exp", "in use by PID \(first.processIdentifier)", "run p.yaml"])
        let stage = try runner.run(["train-teacher", "--config", "p.yaml", "--exp-dir", "exp"], in: workspace.url)
        BadInputCommandTests.expectOneLineError(stage, ["in use by PID \(first.processIdentifier)"])

        // Once the holder is gone (even by kill -9) the lock is free again.
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let third = try runner.run(["run", "p.yaml", "--exp-dir", "exp", "--stop-stage", "1"], in: workspace.url)
        #expect(third.status == 0, "\(third.standardError)")
    }

    /// An experiment directory that cannot be created: one line naming it, no NSError dump.
    @Test func unwritableExperimentDirectoryIsNamed() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try BadInputCommandTests.writeDebugRecipe(workspace)
        try workspace.write("a file, not a directory\n", to: "occupied")
        let result = try runner.run(["run", "p.yaml", "--exp-dir", "occupied/exp"], in: workspace.url)
        BadInputCommandTests.expectOneLineError(result, ["occupied/exp", "cannot write to the experiment directory"])
        #expect(!result.standardError.contains("NSCocoaErrorDomain") && !result.standardError.contains("UserInfo"))
    }
}
