import Foundation
import NeuralLayers
import Randomness
import Tensors
@testable import Student

/// A tiny mel-conditioned student (flows [2, 2], 8 channels, kernel 2, hop 4, 3 mel bands).
///
/// A fresh student's heads have zero weights (every flow is the fixed map x * s0^(1/N)), which
/// would make most tests pass trivially: `randomHeads` gives the heads random weights and
/// biases so that mu_i and log s_i really depend on the input (and stay well inside the clamp).
func tinyStudent(upsampler kind: UpsamplerConfig.Kind = .transposed, seed: UInt64 = 1,
                 randomHeads: Bool = true, configure: (inout StudentConfig) -> Void = { _ in }) throws -> IAFStudent {
    var config = StudentConfig.preset(.tiny)
    config.upsampler = kind == .repeat ? UpsamplerConfig(kind: .repeat, smoothingWidth: 5)
                                       : UpsamplerConfig(kind: kind, strides: [2, 2])
    configure(&config)
    let student = try IAFStudent(config: config, conditionChannels: 3, hop: 4, seed: seed)
    if randomHeads { randomizeHeads(of: student, seed: seed &+ 100) }
    return student
}

/// Head weights N(0, 0.15^2), biases perturbed by N(0, 0.1^2).
func randomizeHeads(of student: IAFStudent, seed: UInt64) {
    var rng = Philox(seed: seed, stream: 3)
    for flow in student.flows {
        let w = flow.head.weight
        w.value = Tensor.normal(shape: w.shape, std: 0.15, rng: &rng)
        if let b = flow.head.bias {
            let noise = Tensor.normal(shape: b.shape, std: 0.1, rng: &rng)
            b.value = Ops.add(b.value, noise)
        }
    }
}

/// Noise z `[B, T, 1]` ~ Logistic(0, 1) (or N(0, 1) for a Gaussian base) and mel frames
/// `[B, T/hop + 1, mels]` ~ N(0, 1).
func randomCase(batch: Int, length: Int, mels: Int = 3, hop: Int = 4, seed: UInt64 = 2,
                base: StudentBase = .logistic) -> (z: Tensor, mel: Tensor) {
    var rng = Philox(seed: seed)
    var z = Tensor(shape: [batch, length, 1])
    z.withUnsafeMutableBufferPointer { base == .logistic ? rng.fillLogistic($0) : rng.fillNormal($0) }
    let frames = length / hop + 1
    let mel = Tensor(shape: [batch, frames, mels], scalars: rng.normals(batch * frames * mels))
    return (z, mel)
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "maxAbsDifference of \(a.shape) and \(b.shape)")
    return zip(a.scalars, b.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
}

func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-student-\(UUID().uuidString)-\(name)")
}
