import Foundation
import Optimization
import Randomness
import Tensors
import Testing
import Training

/// A least-squares toy with noisy gradients: w moves towards a target, each step's gradient
/// gets noise from the step's own random stream (so a loop that passed one stream through the
/// whole run, or restarted it on resume, would end elsewhere). `nanAt` steps report a NaN loss.
final class ToyTask: TrainingTask {
    let parameters: ParameterSet
    let target: [Float] = (0..<12).map { Float($0) / 4 - 1 }
    let nanAt: Set<Int>

    init(nanAt: Set<Int> = []) {
        parameters = ParameterSet([Parameter(name: "toy.w", value: Tensor(shape: [3, 4], repeating: 0.5))])
        self.nanAt = nanAt
    }

    var w: Parameter { parameters.parameters[0] }

    func metadata(step: Int) -> CheckpointMetadata {
        CheckpointMetadata(format: "toy", modelConfig: "{}", featureConfig: "{}", step: step)
    }

    func computeGradients(step: Int, crops: Range<Int>, streams: CropStreams) throws -> StepResult {
        var loss = 0.0
        var rngs = crops.map { streams.stream(crop: $0) }
        for i in 0..<w.count {
            let d = w.value.scalars[i] - target[i]
            loss += Double(d * d)
            // Each crop's noise, averaged over the share (the gradient of a mean loss).
            var noise: Float = 0
            for c in rngs.indices { noise += rngs[c].nextUniform() - 0.5 }
            w.gradient.scalars[i] += 2 * d + noise / Float(rngs.count)
        }
        return StepResult(losses: ["loss": nanAt.contains(step) ? .nan : loss], samples: w.count)
    }

    func validate() throws -> [String: Double] {
        ["loss": zip(w.value.scalars, target).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }]
    }
}

@Suite struct TrainingLoopTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wavedistill-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func settings(steps: Int) -> TrainingSettings {
        var s = TrainingSettings()
        s.steps = steps
        s.checkpointEvery = 3
        s.logEvery = 1
        s.schedule = .constant(0.05)
        return s
    }

    static func bits(_ p: ParameterSet) -> [UInt32] { p.parameters.flatMap { $0.value.scalars.map(\.bitPattern) } }

    /// N steps straight and N/2 + checkpoint + resume to N give bit-identical weights, Adam
    /// and EMA state included (the final file holds the EMA weights).
    @Test(arguments: [10, 7])
    func resumedRunEqualsStraightRun(steps: Int) throws {
        let straightDir = try Self.scratch(), splitDir = try Self.scratch()
        defer {
            try? FileManager.default.removeItem(at: straightDir)
            try? FileManager.default.removeItem(at: splitDir)
        }
        let straight = ToyTask()
        let initial = Self.bits(straight.parameters)
        var loop = TrainingLoop(settings: Self.settings(steps: steps), directory: straightDir, seed: 11,
                                label: "straight")
        _ = try loop.run(straight, finalWeights: straightDir.appendingPathComponent("w.safetensors"))
        #expect(Self.bits(straight.parameters) != initial, "training moved nothing")

        // The first half stops at steps/2 (a checkpoint is written at the end of every run).
        var first = TrainingLoop(settings: Self.settings(steps: steps / 2), directory: splitDir, seed: 11,
                                 label: "first")
        _ = try first.run(ToyTask(), finalWeights: splitDir.appendingPathComponent("w.safetensors"))
        let resumed = ToyTask()
        var second = TrainingLoop(settings: Self.settings(steps: steps), directory: splitDir, seed: 11, label: "second")
        let summary = try second.run(resumed, finalWeights: splitDir.appendingPathComponent("w.safetensors"))
        #expect(summary.resumedFrom == steps / 2 && summary.finalStep == steps)
        #expect(Self.bits(resumed.parameters) == Self.bits(straight.parameters))
        #expect(try Data(contentsOf: straightDir.appendingPathComponent("w.safetensors"))
            == Data(contentsOf: splitDir.appendingPathComponent("w.safetensors")))
    }

    /// Another seed gives other weights (the equality above is not vacuous).
    @Test func seedMatters() throws {
        var weights: [[UInt32]] = []
        for seed in [11, 12] as [UInt64] {
            let dir = try Self.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            let task = ToyTask()
            var loop = TrainingLoop(settings: Self.settings(steps: 4), directory: dir, seed: seed, label: "seed")
            _ = try loop.run(task, finalWeights: dir.appendingPathComponent("w.safetensors"))
            weights.append(Self.bits(task.parameters))
        }
        #expect(weights[0] != weights[1])
    }

    /// A non-finite step is not applied, and `max_bad_steps` of them in a row stop the run.
    @Test func nonFiniteStepsAreSkippedThenStop() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = ToyTask(nanAt: [2])
        var loop = TrainingLoop(settings: Self.settings(steps: 5), directory: dir, seed: 1, label: "nan")
        let summary = try loop.run(task, finalWeights: dir.appendingPathComponent("w.safetensors"))
        #expect(summary.skippedSteps == 1)

        var settings = Self.settings(steps: 20)
        settings.maxBadSteps = 3
        let dir2 = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir2) }
        var failing = TrainingLoop(settings: settings, directory: dir2, seed: 1, label: "diverging")
        #expect {
            _ = try failing.run(ToyTask(nanAt: [4, 5, 6]), finalWeights: dir2.appendingPathComponent("w.safetensors"))
        } throws: { error in
            guard case let .diverged(step, badSteps, _, lastCheckpoint)? = error as? TrainingError else { return false }
            // The last checkpoint before the bad run of steps 5-7 is step 3's.
            return step == 7 && badSteps == 3 && lastCheckpoint?.hasSuffix("step-00000003") == true
        }
    }
}
