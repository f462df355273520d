import Configuration
import Foundation
import NeuralLayers
import Optimization
import SignalProcessing
import Teacher
import Tensors
import Testing
@testable import Student

@Suite struct StudentCheckpointTests {
    @Test func saveAndLoadReproduceSynthesisBitExactly() throws {
        let features = FeatureConfig()
        var config = StudentConfig.preset(.tiny)
        config.upsampler = .init(kind: .transposed, strides: UpsamplerConfig.defaultStrides(hop: features.hopLength))
        let student = try IAFStudent(config: config, conditionChannels: features.melBandCount, hop: features.hopLength,
                                     seed: 8)
        randomizeHeads(of: student, seed: 9)
        let url = temporaryURL("student.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try student.save(to: url, features: features, step: 1234)

        let (loaded, loadedFeatures, step) = try IAFStudent.load(from: url)
        #expect(step == 1234)
        #expect(loadedFeatures == features)
        #expect(loaded.config == config)
        #expect(loaded.parameters.parameters.map(\.name) == student.parameters.parameters.map(\.name))
        let (_, mel) = randomCase(batch: 1, length: 1024, mels: features.melBandCount, hop: features.hopLength)
        let a = student.synthesize(mel: mel, seed: 5)
        let b = loaded.synthesize(mel: mel, seed: 5)
        #expect(a == b)
        #expect(a.count == 1024)
    }

    @Test func aTeacherFileIsRejectedWithAFormatError() throws {
        let features = FeatureConfig()
        let teacher = try WaveNet(config: .preset(.tiny), conditionChannels: features.melBandCount,
                                  hop: features.hopLength, seed: 1)
        let url = temporaryURL("teacher.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try teacher.parameters.save(to: url, metadata: teacher.metadata(features: features, step: 3))
        do {
            _ = try IAFStudent.load(from: url)
            Issue.record("a teacher file must not load as a student")
        } catch let error as CheckpointError {
            #expect(error == .formatMismatch(file: url.path, expected: "wavedistill.student.v1",
                                             found: "wavedistill.teacher.v1"))
            #expect("\(error)".contains("this is a teacher checkpoint"), "\(error)")
        }
    }

    /// The base travels in `model_config`: a Gaussian student loads as Gaussian and synthesizes
    /// the same waveform; a file written before the key existed loads as logistic.
    @Test func baseIsStoredAndOldFilesLoadAsLogistic() throws {
        let features = FeatureConfig()
        var config = StudentConfig.preset(.tiny)
        config.upsampler = .init(kind: .transposed, strides: UpsamplerConfig.defaultStrides(hop: features.hopLength))
        config.base = .gaussian
        let student = try IAFStudent(config: config, conditionChannels: features.melBandCount, hop: features.hopLength,
                                     seed: 8)
        randomizeHeads(of: student, seed: 9)
        let url = temporaryURL("student.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try student.save(to: url, features: features, step: 1)
        let loaded = try IAFStudent.load(from: url).model
        #expect(loaded.config.base == .gaussian)
        let (_, mel) = randomCase(batch: 1, length: 512, mels: features.melBandCount, hop: features.hopLength)
        #expect(loaded.synthesize(mel: mel, seed: 5) == student.synthesize(mel: mel, seed: 5))

        // The same file with the model config as the previous version wrote it (no `base`).
        let modelConfig = JSONConfig.encode(config)
        let old = modelConfig.replacingOccurrences(of: ",\"base\":\"gaussian\"", with: "")
            .replacingOccurrences(of: "\"base\":\"gaussian\",", with: "")
        #expect(!old.contains("base") && old != modelConfig, "\(modelConfig)")
        let metadata = CheckpointMetadata(format: IAFStudent.checkpointFormat, modelConfig: old,
                                          featureConfig: features.canonicalJSON, step: 1)
        let oldURL = temporaryURL("old-student.safetensors")
        defer { try? FileManager.default.removeItem(at: oldURL) }
        try student.parameters.save(to: oldURL, metadata: metadata)
        let oldLoaded = try IAFStudent.load(from: oldURL).model
        #expect(oldLoaded.config.base == .logistic)
        var expected = config
        expected.base = .logistic
        #expect(oldLoaded.config == expected)
    }
}
