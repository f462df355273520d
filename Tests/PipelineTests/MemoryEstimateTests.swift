import Configuration
import Foundation
import Testing
@testable import Pipeline

/// Issue 15: crop_samples 10^12 aborted on an 8 TB allocation; a crop that cannot fit must be
/// refused before the stage starts, naming the keys.
@Suite struct MemoryEstimateTests {
    private func decode(_ yaml: String) throws -> PipelineConfig {
        try YAMLConfigLoader.decode(PipelineConfig.self, from: yaml, file: "test.yaml")
    }

    @Test func absurdCropIsOutOfRange() {
        #expect { try decode("name: x\ntraining:\n  teacher:\n    crop_samples: 1000000000000\n") } throws: { error in
            guard let e = error as? ConfigError, case .outOfRange = e.kind else { return false }
            return e.path == "training.teacher.crop_samples" && e.line == 4
        }
    }

    /// Lengths in seconds become sample counts: 1e300 must be a range error, not a trap later.
    @Test(arguments: ["synthesis:\n  teacher_max_seconds: 1.0e300\n", "evaluation:\n  score_max_seconds: 1.0e300\n",
                      "benchmark:\n  audio_seconds: [1, 1.0e300]\n", "benchmark:\n  naive_seconds: 1.0e300\n",
                      "synthesis:\n  chunk_samples: 9223372036854775807\n"])
    func hugeLengthsAreOutOfRange(section: String) {
        #expect { try decode("name: x\n" + section) } throws: { error in
            guard let e = error as? ConfigError, case .outOfRange = e.kind else { return false }
            return e.line == 3 && !e.path.isEmpty
        }
    }

    /// The estimate is within the measured range on the small presets (8.7 kB per teacher sample).
    @Test func estimateIsCloseToTheMeasuredPeak() throws {
        var config = try decode("name: x\nteacher: {preset: small}\nstudent: {preset: small}\n")
        config.training.teacher.batchSize = 4
        config.training.teacher.cropSamples = 160_000
        let teacher = try #require(MemoryEstimate.bytes(for: .trainTeacher, config: config))
        // Measured: 5.5 GB peak resident for this step.
        #expect(teacher.bytes > 5.5e9 && teacher.bytes < 1.5 * 5.5e9, "\(teacher.bytes)")
        #expect(MemoryEstimate.bytes(for: .prepare, config: config) == nil)
    }

    @Test func stageThatCannotFitIsRefusedNamingTheKeys() throws {
        var config = try decode("name: x\n")
        config.training.student.cropSamples = 2_000_000
        config.training.student.batchSize = 64
        #expect(throws: Never.self) { try MemoryEstimate.check(.trainTeacher, config: config, available: 8e9) }
        let error = #expect(throws: PipelineError.self) { try MemoryEstimate.check(.distill, config: config, available: 8e9) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("training.student.crop_samples") && message.contains("8.0 GB"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func memAvailableIsParsed() {
        let meminfo = "MemTotal:       24683792 kB\nMemFree:        21799968 kB\nMemAvailable:   23204520 kB\n"
        #expect(MemoryEstimate.availableBytes(meminfo: meminfo) == Double(23_204_520) * 1024)
        #expect(MemoryEstimate.availableBytes(meminfo: "") == nil)
        #expect(MemoryEstimate.availableBytes() != nil)
    }
}
