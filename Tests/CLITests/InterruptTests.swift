import Foundation
import Testing

/// Issue 15: Ctrl-C ended a run at once without a word. It must say where it stopped and how
/// to resume, and exit with 130 (128 + SIGINT).
@Suite(.serialized) struct InterruptTests {
    @Test func interruptedRunSaysWhereItStoppedAndHowToResume() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try BadInputCommandTests.writeDebugRecipe(workspace) {
            $0.replacingOccurrences(of: "    steps: 20                  # optimiser steps", with: "    steps: 100000")
        }
        let process = Process()
        process.executableURL = runner.executable
        process.arguments = ["run", "p.yaml", "--exp-dir", "exp"]
        process.currentDirectoryURL = workspace.url
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let latest = workspace.file("exp/02-train-teacher/checkpoints/latest")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: latest.path) && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the run ended before it could be interrupted")
        kill(process.processIdentifier, SIGINT)
        let standardError = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130,
                "\(process.terminationReason) \(process.terminationStatus)")
        let last = standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("interrupted in stage 2 (train-teacher)"), "\(standardError.suffix(500))")
        #expect(last.contains("resumes from the checkpoint of step"), "\(last)")
        #expect(last.hasSuffix("to resume: wavedistill run p.yaml --exp-dir exp"), "\(last)")
        let log = try String(contentsOf: workspace.file("exp/02-train-teacher/log.txt"), encoding: .utf8)
        #expect(log.contains("interrupted in stage 2 (train-teacher)"))
    }
}
