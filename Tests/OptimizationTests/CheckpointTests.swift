import FileFormats
import Foundation
import Testing
import Tensors
@testable import Optimization

@Suite struct CheckpointTests {
    static let metadata = CheckpointMetadata(format: "wavedistill.teacher.v1", modelConfig: #"{"layers":2}"#,
                                             featureConfig: #"{"n_mels":80}"#, step: 3, extra: ["git_commit": "abc"])

    @Test func weightsRoundTripWithMetadata() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let saved = Fixture.parameters(values: [[.nan, -0.0, .leastNonzeroMagnitude, 2, 3, 4], [5, 6, .infinity]])
        try saved.save(to: url, metadata: Self.metadata)

        let loaded = Fixture.parameters()
        let metadata = try loaded.load(from: url, expectedFormat: "wavedistill.teacher.v1")
        #expect(metadata == Self.metadata)
        #expect(Fixture.valueBits(loaded) == Fixture.valueBits(saved))
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.names == ["net.weight", "net.bias"])
        #expect(file.metadata["model_config"] == #"{"layers":2}"#)
    }

    @Test func loadFailsWholeWithTheTensorExpectedAndFoundShape() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Fixture.parameters().save(to: url, metadata: Self.metadata)

        let other = ParameterSet([Parameter(name: "net.weight", value: Tensor(shape: [2, 3], repeating: 7)),
                                  Parameter(name: "net.bias", value: Tensor(shape: [4], repeating: 7))])
        do {
            try other.load(from: url)
            Issue.record("shape mismatch accepted")
        } catch {
            #expect("\(error)" == "\(url.path): tensor 'net.bias' has shape [3], expected [4]")
        }
        #expect(other.parameters.allSatisfy { $0.value.scalars.allSatisfy { $0 == 7 } }, "nothing assigned on failure")

        let renamed = ParameterSet([Parameter(name: "net.weight", value: Tensor(shape: [2, 3])),
                                    Parameter(name: "net.gain", value: Tensor(shape: [3]))])
        do {
            try renamed.load(from: url)
            Issue.record("missing tensor accepted")
        } catch {
            #expect("\(error)".contains("missing tensor 'net.gain'"), "\(error)")
        }
        do {
            try Fixture.parameters().load(from: url, expectedFormat: "wavedistill.student.v1")
            Issue.record("wrong format accepted")
        } catch {
            #expect("\(error)".contains("format is 'wavedistill.teacher.v1', expected 'wavedistill.student.v1'"), "\(error)")
        }
    }

    @Test func reservedMetadataKeysCannotBeOverridden() {
        var metadata = Self.metadata
        metadata.extra["step"] = "9"
        #expect(throws: CheckpointError.reservedMetadataKey(key: "step")) { try metadata.dictionary() }
    }

    /// Training 3 steps, saving, loading into fresh objects and training 2 more gives exactly
    /// the weights of 5 uninterrupted steps.
    @Test func adamStateRoundTripResumesExactly() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("optimizer.safetensors")
        func setGradients(_ parameters: ParameterSet, step: Int) {
            for p in parameters.parameters {
                p.gradient = Tensor(shape: p.shape, scalars: p.value.scalars.enumerated().map { j, x in
                    2 * x - Float(j) + Float(step) * 0.1
                })
            }
        }
        let hyperparameters = AdamHyperparameters(beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0.01)
        let uninterrupted = Fixture.parameters()
        var adam = Adam(for: uninterrupted, hyperparameters: hyperparameters)
        let resumed = Fixture.parameters()
        var first = Adam(for: resumed, hyperparameters: hyperparameters)
        for step in 0..<3 {
            setGradients(uninterrupted, step: step); try adam.update(uninterrupted, learningRate: 0.01)
            setGradients(resumed, step: step); try first.update(resumed, learningRate: 0.01)
        }
        try first.save(to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.names == ["net.weight.adam_m", "net.weight.adam_v", "net.bias.adam_m", "net.bias.adam_v"])
        #expect(file.metadata["step"] == "3")
        #expect(file.metadata["beta2"] == "0.99")
        #expect(file.metadata["parameter_steps"] == #"{"net.weight":3,"net.bias":3}"#)

        var second = try Adam(contentsOf: url, for: resumed)
        #expect(second.hyperparameters == hyperparameters)
        #expect(second.step == 3)
        for step in 3..<5 {
            setGradients(uninterrupted, step: step); try adam.update(uninterrupted, learningRate: 0.01)
            setGradients(resumed, step: step); try second.update(resumed, learningRate: 0.01)
        }
        #expect(Fixture.valueBits(resumed) == Fixture.valueBits(uninterrupted))
    }

    @Test func adamStateChecksParametersAndCanAdmitNewOnes() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("optimizer.safetensors")
        let parameters = Fixture.parameters()
        var adam = Adam(for: parameters)
        try adam.update(parameters, learningRate: 1e-3)
        try adam.save(to: url)

        var grown = parameters
        grown.append(Parameter(name: "net.extra", value: Tensor(shape: [2])))
        do {
            _ = try Adam(contentsOf: url, for: grown)
            Issue.record("missing state accepted")
        } catch {
            #expect("\(error)".contains("missing tensors 'net.extra.adam_m', 'net.extra.adam_v'"), "\(error)")
        }
        let admitted = try Adam(contentsOf: url, for: grown, allowingNewParameters: true)
        #expect(admitted.moments(of: "net.extra")?.step == 0)
        #expect(admitted.moments(of: "net.bias")?.step == 1)
        #expect(admitted.moments(of: "net.bias") == adam.moments(of: "net.bias"))

        let shrunk = ParameterSet([parameters.parameters[0]])
        do {
            _ = try Adam(contentsOf: url, for: shrunk)
            Issue.record("state of an unknown parameter accepted")
        } catch {
            #expect("\(error)".contains("unexpected tensors 'net.bias.adam_m', 'net.bias.adam_v'"), "\(error)")
        }
    }

    @Test func emaWeightsRoundTripAndLoadAsModelWeights() throws {
        let directory = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("ema.safetensors")
        let parameters = Fixture.parameters()
        var ema = ExponentialMovingAverage(tracking: parameters, decay: 0.999)
        for p in parameters.parameters { p.value = Tensor(shape: p.shape, repeating: 1) }
        try ema.update(from: parameters)
        try ema.update(from: parameters)
        try ema.save(to: url, metadata: Self.metadata)

        let restored = try ExponentialMovingAverage(contentsOf: url, tracking: parameters)
        #expect(restored.decay == 0.999 && restored.warmsUp && restored.updateCount == 2)
        #expect(restored.nextDecay == ema.nextDecay)
        #expect(restored.averages.map(\.value) == ema.averages.map(\.value))

        let synthesis = Fixture.parameters()
        let metadata = try synthesis.load(from: url, expectedFormat: "wavedistill.teacher.v1")
        #expect(metadata.extra["ema_update_count"] == "2")
        #expect(synthesis.parameters.map(\.value) == ema.averages.map(\.value))
    }
}
