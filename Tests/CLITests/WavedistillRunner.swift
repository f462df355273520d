import Foundation

/// Runs the built `wavedistill` executable and captures what it prints.
struct WavedistillRunner {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
        var outputLines: [String] { standardOutput.split(separator: "\n").map(String.init) }
        var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
    }

    struct Stale: Error, CustomStringConvertible {
        let executable: String
        let newerObject: String
        var description: String {
            "\(executable) is older than its compiled \(newerObject): `swift test` does not relink executables, run `swift build` first"
        }
    }

    struct NotFound: Error, CustomStringConvertible {
        let searched: [String]
        var description: String {
            "the wavedistill executable was not found (build it first: swift build); searched: \(searched.joined(separator: ", "))"
        }
    }

    let executable: URL

    /// Finds the executable: first next to the test bundle (the directory of
    /// `CommandLine.arguments[0]` and its parents, which is where `swift test` builds it),
    /// then in `.build*/{debug,release}/` of the package, newest first. Throws if absent, so
    /// the CLI tests fail rather than skip, and if it is stale (see `checkFresh`).
    static func locate(filePath: String = #filePath) throws -> WavedistillRunner {
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let runner = try find(root: root)
        try checkFresh(runner.executable)
        return runner
    }

    private static func find(root: URL) throws -> WavedistillRunner {
        var searched: [String] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("wavedistill")
            searched.append(candidate.path)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return WavedistillRunner(executable: candidate)
            }
            directory.deleteLastPathComponent()
        }
        let scratch = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.filter { $0.hasPrefix(".build") } ?? []
        var found: [(URL, Date)] = []
        for name in scratch {
            for configuration in ["debug", "release"] {
                let candidate = root.appendingPathComponent(name).appendingPathComponent(configuration).appendingPathComponent("wavedistill")
                searched.append(candidate.path)
                if FileManager.default.isExecutableFile(atPath: candidate.path),
                   let date = try? FileManager.default.attributesOfItem(atPath: candidate.path)[.modificationDate] as? Date {
                    found.append((candidate, date))
                }
            }
        }
        guard let newest = found.max(by: { $0.1 < $1.1 }) else { throw NotFound(searched: searched) }
        return WavedistillRunner(executable: newest.0)
    }

    private static func modificationDate(_ url: URL) -> Date? {
        try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
    }

    /// `swift test` recompiles the modules of the tested commands (CLITests depends on them) but
    /// does not relink the executable: an object file newer than the executable means it is stale.
    private static func checkFresh(_ executable: URL) throws {
        guard let built = modificationDate(executable) else { return }
        let binDirectory = executable.deletingLastPathComponent()
        for module in ["WavedistillCLI", "AudioIO", "SignalProcessing", "FileFormats", "Configuration", "PitchTracking", "Plotting",
                       "Pipeline", "Optimization", "Training"] {
            let directory = binDirectory.appendingPathComponent("\(module).build")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in files where name.hasSuffix(".o") {
                if let compiled = modificationDate(directory.appendingPathComponent(name)), compiled > built {
                    throw Stale(executable: executable.path, newerObject: "\(module).build/\(name)")
                }
            }
        }
    }

    /// Runs `wavedistill arguments...` in `directory` and waits for it.
    func run(_ arguments: [String], in directory: URL) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a chatty process cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }
}

/// A fresh temporary working directory for one test, removed afterwards.
final class Workspace {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: file(name))
    }

    var contents: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
    }
}
