import FileFormats
import Foundation
import Testing
import Tensors
@testable import Optimization

@Suite struct CheckpointStoreTests {
    /// A tiny "run": parameters, Adam, EMA; `advance` does one training step.
    struct Run {
        let parameters = Fixture.parameters()
        var adam: Adam
        var ema: ExponentialMovingAverage
        var step = 0

        init() {
            adam = Adam(for: parameters)
            ema = ExponentialMovingAverage(tracking: parameters, decay: 0.99)
        }

        mutating func advance() throws {
            try adam.update(parameters, learningRate: 0.01)
            try ema.update(from: parameters)
            step += 1
        }

        func save(to store: CheckpointStore) throws {
            try store.save(model: parameters, metadata: Self.metadata(step: step), optimizer: adam, ema: ema,
                           state: TrainingState(step: step, rngSeed: 0xDEAD_BEEF_0000_0001, rngPosition: UInt64(step) * 64,
                                                bestValidationLoss: 1.0 / Double(step + 1)))
        }

        static func metadata(step: Int) -> CheckpointMetadata {
            CheckpointMetadata(format: "wavedistill.teacher.v1", modelConfig: "{}", featureConfig: "{}", step: step)
        }
    }

    private func names(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test func saveAndRestoreEverything() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory.appendingPathComponent("checkpoints"), keepLast: 3)
        #expect(try store.restore(into: Fixture.parameters()) == nil, "fresh run")

        var run = Run()
        for _ in 0..<2 { try run.advance(); try run.save(to: store) }
        #expect(names(in: store.directory) == ["latest", "step-00000001", "step-00000002"])
        #expect(try String(contentsOf: store.directory.appendingPathComponent("latest"), encoding: .utf8) == "step-00000002\n")
        #expect(names(in: store.directory.appendingPathComponent("step-00000002"))
                == ["ema.safetensors", "model.safetensors", "optimizer.safetensors", "state.json"])

        let model = Fixture.parameters()
        let restored = try #require(try store.restore(into: model, expectedFormat: "wavedistill.teacher.v1"))
        #expect(restored.entry.step == 2)
        #expect(restored.state == TrainingState(step: 2, rngSeed: 0xDEAD_BEEF_0000_0001, rngPosition: 128,
                                                bestValidationLoss: 1.0 / 3.0))
        #expect(restored.metadata == Run.metadata(step: 2))
        #expect(Fixture.valueBits(model) == Fixture.valueBits(run.parameters))
        #expect(restored.optimizer.step == 2)
        #expect(restored.optimizer.moments(of: "net.weight") == run.adam.moments(of: "net.weight"))
        #expect(restored.ema?.averages.map(\.value) == run.ema.averages.map(\.value))
        #expect(restored.ema?.updateCount == 2)

        #expect(throws: CheckpointError.self) {
            try store.restore(into: Fixture.parameters(), expectedFormat: "wavedistill.student.v1")
        }
    }

    /// A crash while step 3 is being written leaves `step-00000003.incomplete/` with some files:
    /// the run resumes from step 2, and the next save removes the debris.
    @Test func crashDuringSaveResumesFromPreviousCompleteCheckpoint() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory, keepLast: 5)
        var run = Run()
        for _ in 0..<2 { try run.advance(); try run.save(to: store) }
        let weightsAtStep2 = Fixture.valueBits(run.parameters)

        try run.advance()
        let staging = directory.appendingPathComponent("step-00000003.incomplete")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try run.parameters.save(to: staging.appendingPathComponent("model.safetensors"), metadata: Run.metadata(step: 3))

        #expect(store.latest()?.step == 2)
        let model = Fixture.parameters()
        let restored = try #require(try store.restore(into: model))
        #expect(restored.state.step == 2)
        #expect(Fixture.valueBits(model) == weightsAtStep2)

        try run.save(to: store)
        #expect(names(in: directory) == ["latest", "step-00000001", "step-00000002", "step-00000003"])
        #expect(store.latest()?.step == 3)
    }

    /// A `step-N/` without its `state.json` (or with one for another step) is not complete, and
    /// neither `latest` naming it nor a missing `latest` makes the resume use it.
    @Test func incompleteStepDirectoryIsNeverResumedFrom() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory, keepLast: 5)
        var run = Run()
        for _ in 0..<3 { try run.advance(); try run.save(to: store) }

        let step3 = directory.appendingPathComponent("step-00000003")
        let marker3 = step3.appendingPathComponent("state.json")
        try FileManager.default.removeItem(at: marker3)
        try FileManager.default.copyItem(at: directory.appendingPathComponent("step-00000001/state.json"), to: marker3)
        #expect(store.latest()?.step == 2, "a completion marker for another step does not count")
        try FileManager.default.removeItem(at: marker3)
        #expect(store.latest()?.step == 2, "latest names step 3, but it has no completion marker")

        try FileManager.default.removeItem(at: directory.appendingPathComponent("latest"))
        #expect(store.latest()?.step == 2, "without latest: the newest complete one")
        #expect(store.completeCheckpoints().map(\.step) == [1, 2])

        // A missing listed file also makes a checkpoint incomplete.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("step-00000002/optimizer.safetensors"))
        #expect(store.latest()?.step == 1)

        // `latest` naming something that does not exist.
        try AtomicFileWriteHelper.write("step-00000042\n", to: directory.appendingPathComponent("latest"))
        #expect(store.latest()?.step == 1)
    }

    /// Until `latest` is replaced, a save has not happened: a crash after the rename but before
    /// `latest` keeps resuming from the checkpoint `latest` names.
    @Test func latestIsAuthoritativeWhenValid() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory, keepLast: 5)
        var run = Run()
        for _ in 0..<3 { try run.advance(); try run.save(to: store) }
        try AtomicFileWriteHelper.write("step-00000002\n", to: directory.appendingPathComponent("latest"))
        #expect(store.latest()?.step == 2)
    }

    @Test func retentionKeepsTheNewestK() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory, keepLast: 2)
        var run = Run()
        for _ in 0..<5 { try run.advance(); try run.save(to: store) }
        #expect(names(in: directory) == ["latest", "step-00000004", "step-00000005"])
        #expect(store.completeCheckpoints().map(\.step) == [4, 5])

        // Re-saving an existing step (after a resume) replaces it.
        try run.save(to: store)
        #expect(names(in: directory) == ["latest", "step-00000004", "step-00000005"])
    }

    @Test func stateFileIsReadableJSON() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CheckpointStore(directory: directory)
        var run = Run()
        try run.advance()
        try run.save(to: store)
        let data = try Data(contentsOf: directory.appendingPathComponent("step-00000001/state.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["format"] as? String == "wavedistill.checkpoint.v1")
        #expect(object["files"] as? [String] == ["model.safetensors", "optimizer.safetensors", "ema.safetensors"])
        let training = try #require(object["training"] as? [String: Any])
        #expect(training["step"] as? Int == 1)
        #expect(String(decoding: data, as: UTF8.self).contains(#""rng_seed" : 16045690981097406465"#),
                "a 64-bit seed is written exactly")
        #expect(Set(training.keys) == ["step", "rng_seed", "rng_position", "best_validation_loss", "extra"])
    }
}

/// Writes small text files atomically in tests.
enum AtomicFileWriteHelper {
    static func write(_ text: String, to url: URL) throws {
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}
