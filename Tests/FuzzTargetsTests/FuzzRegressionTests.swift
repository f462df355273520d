import Foundation
import Testing
@testable import FuzzTargets

/// Replays every seed of the fuzz corpora and every crasher the fuzzers found (Regressions/,
/// one folder per target) through the fuzz targets: a reader that traps, or accepts an input
/// that breaks an invariant, crashes this test as it crashed the fuzzer.
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let url = directory.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
    }

    /// Every seed is a valid input of its kind, so the fuzzer starts from accepted inputs.
    @Test(arguments: FuzzTarget.allCases)
    func seedsAreAccepted(target: FuzzTarget) throws {
        let seeds = Self.inputs("Corpus", target)
        #expect(seeds.count >= 3, "\(target): too few seeds")
        for url in seeds {
            #expect(target.run(try Data(contentsOf: url)), "\(url.lastPathComponent) is rejected by the \(target) target")
        }
    }

    /// Crashers found by fuzzing run without trapping (most are rejected with an error).
    @Test(arguments: FuzzTarget.allCases)
    func regressionsDoNotCrash(target: FuzzTarget) throws {
        for url in Self.inputs("Regressions", target) {
            target.run(try Data(contentsOf: url))
        }
    }
}
