import Foundation
import NeuralLayers
import Randomness
import Tensors
import Testing
@testable import Student

@Suite struct SynthesisTests {
    @Test(arguments: [UpsamplerConfig.Kind.transposed, .sharedTransposed, .repeat])
    func oneShotSynthesisEqualsTheTrainingForward(kind: UpsamplerConfig.Kind) throws {
        let student = try tinyStudent(upsampler: kind)
        let (z, mel) = randomCase(batch: 2, length: 57)
        let reference = student.forward(noise: z, mel: mel).output
        let fast = student.synthesize(mel: mel, noise: z)
        #expect(fast.shape == [2, 57])
        let worst = maxAbsDifference(fast, reference.x)
        #expect(worst <= 1e-5, "max |synthesize - forward| = \(worst)")
        let c = student.condition(mel: mel, length: 57).condition
        let inferred = student.infer(noise: z, condition: c)
        #expect(maxAbsDifference(inferred.mean, reference.mean) <= 1e-5)
        #expect(maxAbsDifference(inferred.logScale, reference.logScale) <= 1e-5)
    }

    /// The fused inference layer against `ResidualBlock.forward`, on a case with several time
    /// blocks per item (240 rows for gate 32 ... 256), kernel 3 and both residual scalings.
    @Test(arguments: [true, false])
    func fusedLayerEqualsResidualBlock(scaleResidual: Bool) throws {
        var rng = Philox(seed: 31)
        let block = ResidualBlock(prefix: "probe", configuration: .init(
            residualChannels: 16, gateChannels: 32, skipChannels: nil, conditionChannels: 5, kernelSize: 3,
            dilation: 4, scaleResidual: scaleResidual), rng: &rng)
        block.dilated.bias?.value = Tensor.normal(shape: [32], std: 0.3, rng: &rng)
        block.residual.bias?.value = Tensor.normal(shape: [16], std: 0.3, rng: &rng)
        let x = Tensor.normal(shape: [3, 1000, 16], rng: &rng)
        let c = Tensor.normal(shape: [3, 1000, 5], rng: &rng)
        let reference = block.forward(x, condition: c).output
        let layer = FusedResidualBlock(block)
        #expect(layer.kernel != nil, "C 16, G 32 should take the register-blocked kernel path")
        var fused = Tensor(shape: x.shape), viaBLAS = Tensor(shape: x.shape)
        layer.apply(x, condition: c, into: &fused)
        layer.applyWithBLAS(x, condition: c, into: &viaBLAS)
        let worst = maxAbsDifference(fused, reference), worstBLAS = maxAbsDifference(viaBLAS, reference)
        #expect(worst <= 1e-5, "max |kernel path - ResidualBlock| = \(worst)")
        #expect(worstBLAS <= 1e-5, "max |BLAS path - ResidualBlock| = \(worstBLAS)")
    }

    /// The register-blocked kernel path against `ResidualBlock.forward` on awkward shapes:
    /// lengths that are not multiples of the six-row group (the last group is partial), items
    /// shorter than one group, dilations that put a group's rows on both sides of t = 0 for a
    /// tap, kernel sizes 1 to 4, several batch items, and splits into 1, 2 and 7 work units (same numbers).
    @Test(arguments: [(1, 1, 7), (2, 1, 5), (2, 5, 61), (3, 7, 250), (4, 3, 97), (3, 64, 300)])
    func registerBlockedLayerEqualsResidualBlock(kernelSize: Int, dilation: Int, length: Int) throws {
        var rng = Philox(seed: UInt64(100 + kernelSize * 1000 + dilation + length))
        let (cc, g, cm) = (32, 48, 7)
        let block = ResidualBlock(prefix: "probe", configuration: .init(
            residualChannels: cc, gateChannels: g, skipChannels: nil, conditionChannels: cm, kernelSize: kernelSize,
            dilation: dilation, scaleResidual: true), rng: &rng)
        block.dilated.bias?.value = Tensor.normal(shape: [g], std: 0.3, rng: &rng)
        block.residual.bias?.value = Tensor.normal(shape: [cc], std: 0.3, rng: &rng)
        for batch in [1, 3] {
            let x = Tensor.normal(shape: [batch, length, cc], rng: &rng)
            let c = Tensor.normal(shape: [batch, length, cm], rng: &rng)
            let reference = block.forward(x, condition: c).output
            let layer = FusedResidualBlock(block)
            #expect(layer.kernel != nil)
            guard let kernel = layer.kernel else { continue }
            expectEveryWorkSplit(matches: reference, "kernel path, B \(batch)") {
                kernel.apply(x, condition: c, into: &$1, workUnits: $0)
            }
        }
    }

    /// `apply(units, &y)` with 1, 2 and 7 work units: each y within 1e-5 of `reference`, and all
    /// bit-identical (each row depends only on that row).
    private func expectEveryWorkSplit(matches reference: Tensor, _ label: String, apply: (Int, inout Tensor) -> Void) {
        var outputs: [Tensor] = []
        for units in [1, 2, 7] {
            var y = Tensor(shape: reference.shape)
            apply(units, &y)
            let worst = maxAbsDifference(y, reference)
            #expect(worst <= 1e-5, "\(label), \(units) work units: max |y - ResidualBlock| = \(worst)")
            outputs.append(y)
        }
        #expect(outputs.allSatisfy { $0.scalars == outputs[0].scalars }, "\(label): the work split changed the numbers")
    }

    /// Shapes the kernels cannot take (C % 16 != 0 or G % 16 != 0) use the BLAS path.
    @Test func tinyShapesFallBackToBLAS() throws {
        var rng = Philox(seed: 5)
        for (cc, g) in [(8, 16), (16, 24)] {
            let block = ResidualBlock(prefix: "probe", configuration: .init(
                residualChannels: cc, gateChannels: g, skipChannels: nil, conditionChannels: 3, kernelSize: 2,
                dilation: 2), rng: &rng)
            #expect(FusedResidualBlock(block).kernel == nil)
        }
    }

    /// Frame-rate conditioning given to a layer without the kernel path: it interpolates c per
    /// sample and takes the BLAS path, with the result of `ResidualBlock.forward`.
    @Test func frameRateConditioningOnTheBLASPathEqualsResidualBlock() {
        var rng = Philox(seed: 6)
        let block = ResidualBlock(prefix: "probe", configuration: .init(
            residualChannels: 8, gateChannels: 16, skipChannels: nil, conditionChannels: 3, kernelSize: 2,
            dilation: 2), rng: &rng)
        let up = ConditionUpsampler(prefix: "u", channels: 3, hop: 8, mode: .sharedTransposed(strides: [2, 4]))
        for p in up.parameters { p.value = Ops.add(p.value, Tensor.normal(shape: p.shape, std: 0.3, rng: &rng)) }
        let mel = Tensor.normal(shape: [2, 10, 3], rng: &rng)
        let frames = FrameCondition(upsampler: up, mel: mel, offset: 5, length: 60)
        let x = Tensor.normal(shape: [2, 60, 8], rng: &rng)
        let layer = FusedResidualBlock(block)
        #expect(layer.kernel == nil)
        var y = Tensor(shape: x.shape)
        layer.apply(x, frames: frames, into: &y)
        let reference = block.forward(x, condition: TimeWindow.crop(up(mel), from: 5, length: 60)).output
        let worst = maxAbsDifference(y, reference)
        #expect(worst <= 1e-5, "max |BLAS path - ResidualBlock| = \(worst)")
    }

    /// The small preset (C 48, G 96: the kernel path) in one shot against the training forward,
    /// with the preset's shared-tap upsampler (frame-rate conditioning) and with per-band taps,
    /// under random upsampler weights so that every tap, gain and bias matters.
    @Test(arguments: [UpsamplerConfig.Kind.sharedTransposed, .transposed])
    func oneShotSynthesisOfTheSmallPresetEqualsTheTrainingForward(kind: UpsamplerConfig.Kind) throws {
        let student = try smallStudent(upsampler: kind)
        #expect(student.synthesizesAtFrameRate == (kind == .sharedTransposed))
        let (z, mel) = randomCase(batch: 2, length: 1500, mels: 20, hop: 256, seed: 8)
        let reference = student.forward(noise: z, mel: mel).output
        let fast = student.synthesize(mel: mel, noise: z)
        let worst = maxAbsDifference(fast, reference.x)
        #expect(worst <= 1e-5, "max |synthesize - forward| = \(worst)")
    }

    /// More upsampler stages than the kernel takes (9 > 8): synthesis keeps the conditioning per
    /// sample, with the same result.
    @Test func manyUpsamplerStagesFallBackToPerSampleConditioning() throws {
        var config = StudentConfig(flows: [2, 2], channels: 16, kernelSize: 3)
        config.upsampler = UpsamplerConfig(kind: .sharedTransposed, strides: [Int](repeating: 2, count: 9))
        let student = try IAFStudent(config: config, conditionChannels: 5, hop: 512, seed: 3)
        randomizeHeads(of: student, seed: 4)
        #expect(!student.synthesizesAtFrameRate)
        let (z, mel) = randomCase(batch: 1, length: 1100, mels: 5, hop: 512, seed: 8)
        let worst = maxAbsDifference(student.synthesize(mel: mel, noise: z), student.forward(noise: z, mel: mel).output.x)
        #expect(worst <= 1e-5, "max |synthesize - forward| = \(worst)")
    }

    /// The small preset with random upsampler weights (biases, gains and taps of std 0.3 around
    /// their initial values).
    private func smallStudent(upsampler kind: UpsamplerConfig.Kind) throws -> IAFStudent {
        var config = StudentConfig.preset(.small)
        config.upsampler = UpsamplerConfig(kind: kind)
        let student = try IAFStudent(config: config, conditionChannels: 20, hop: 256, seed: 3)
        randomizeHeads(of: student, seed: 4)
        var rng = Philox(seed: 41)
        for p in student.upsampler.parameters {
            p.value = Ops.add(p.value, Tensor.normal(shape: p.shape, std: 0.3, rng: &rng))
        }
        return student
    }

    /// The frame-rate path of one layer (projected frames, interpolated in the kernel) against
    /// `ResidualBlock.forward` on the per-sample conditioning, for sample windows that start at
    /// every phase against the hop, several items, and 1, 2 and 7 work units (same numbers).
    @Test(arguments: [0, 5, 13, 31])
    func frameRateLayerEqualsResidualBlock(offset: Int) throws {
        var rng = Philox(seed: UInt64(300 + offset))
        let (cc, g, cm, hop) = (32, 48, 7, 16)
        let block = ResidualBlock(prefix: "probe", configuration: .init(
            residualChannels: cc, gateChannels: g, skipChannels: nil, conditionChannels: cm, kernelSize: 3,
            dilation: 2, scaleResidual: true), rng: &rng)
        block.dilated.bias?.value = Tensor.normal(shape: [g], std: 0.3, rng: &rng)
        let up = ConditionUpsampler(prefix: "u", channels: cm, hop: hop, mode: .sharedTransposed(strides: [4, 4]))
        for p in up.parameters { p.value = Ops.add(p.value, Tensor.normal(shape: p.shape, std: 0.3, rng: &rng)) }
        let layer = FusedResidualBlock(block)
        guard let kernel = layer.kernel else { Issue.record("C 32, G 48 should take the kernel path"); return }
        for (batch, length) in [(1, 200), (3, 77)] {
            let frameCount = (offset + length) / hop + 2
            let mel = Tensor.normal(shape: [batch, frameCount, cm], rng: &rng)
            let frames = FrameCondition(upsampler: up, mel: mel, offset: offset, length: length)
            let c = TimeWindow.crop(up(mel), from: offset, length: length)
            #expect(maxAbsDifference(frames.samples(), c) <= 1e-5, "FrameCondition.samples against the upsampler")
            let x = Tensor.normal(shape: [batch, length, cc], rng: &rng)
            let reference = block.forward(x, condition: c).output
            expectEveryWorkSplit(matches: reference, "frame-rate path, B \(batch)") {
                kernel.apply(x, frames: frames, into: &$1, workUnits: $0)
            }
        }
    }

    /// The conditioning of a sample window, from a window of frames only, equals those samples
    /// of the full conditioning, for every start (every phase against the hop) and several lengths.
    @Test(arguments: [UpsamplerConfig.Kind.transposed, .sharedTransposed, .repeat])
    func conditionOfASampleWindowEqualsTheFullConditioning(kind: UpsamplerConfig.Kind) throws {
        // hop 8: strides [2, 4], or smoothing width 9 (wider than the hop): margins matter at both edges.
        let hop = 8, length = 90
        var config = StudentConfig.preset(.tiny)
        config.upsampler = kind == .repeat ? .init(kind: .repeat, smoothingWidth: 9) : .init(kind: kind, strides: [2, 4])
        let model = try IAFStudent(config: config, conditionChannels: 3, hop: hop, seed: 2)
        // Random upsampler weights, so every tap matters.
        var rng = Philox(seed: 8)
        for p in model.upsampler.parameters { p.value = Tensor.normal(shape: p.shape, rng: &rng) }
        let (_, mel) = randomCase(batch: 2, length: length, hop: hop, seed: 9)
        let full = model.condition(mel: mel, length: length).condition
        var worst: Float = 0
        for start in 0..<length {
            for count in [1, 2, 5, 17, 40] where start + count <= length {
                let window = model.condition(mel: mel, samples: start..<(start + count))
                worst = max(worst, maxAbsDifference(window, TimeWindow.crop(full, from: start, length: count)))
            }
        }
        #expect(worst == 0, "max |window - full| = \(worst)")
    }

    @Test(arguments: [(UpsamplerConfig.Kind.transposed, StudentBase.logistic), (.sharedTransposed, .logistic),
                      (.repeat, .logistic), (.transposed, .gaussian)])
    func chunkedSynthesisEqualsOneShot(kind: UpsamplerConfig.Kind, base: StudentBase) throws {
        let student = try tinyStudent(upsampler: kind) { $0.base = base }
        let length = 101
        let (_, mel) = randomCase(batch: 2, length: length, seed: 7)
        let oneShot = student.synthesize(mel: mel, length: length, seed: 9)
        #expect(oneShot.shape == [2, length])
        // Chunks smaller than the receptive field (9) and the frame margin, not dividing T, and larger than T.
        for chunk in [1, 3, 8, 9, 16, 37, 100, 101, 500] {
            let chunked = student.synthesize(mel: mel, length: length, seed: 9, chunkSamples: chunk)
            let worst = maxAbsDifference(chunked, oneShot)
            #expect(worst <= 1e-5, "chunk \(chunk): max |chunked - one-shot| = \(worst)")
        }
        // Not trivially equal: the samples vary.
        #expect(Set(oneShot.scalars).count > 150)
    }

    /// Real sizes: kernel 3, dilations 1 ... 32, receptive field 509, hop 256, 4 transposed
    /// stages; frame-rate conditioning (shared taps) and per-sample.
    @Test(arguments: [UpsamplerConfig.Kind.sharedTransposed, .transposed])
    func chunkedSynthesisOfTheSmallPresetEqualsOneShot(kind: UpsamplerConfig.Kind) throws {
        let student = try smallStudent(upsampler: kind)
        let length = 3000
        let (_, mel) = randomCase(batch: 1, length: length, mels: 20, hop: 256, seed: 5)
        let oneShot = student.synthesize(mel: mel, length: length, seed: 6)
        for chunk in [700, 1024] {
            let worst = maxAbsDifference(student.synthesize(mel: mel, length: length, seed: 6, chunkSamples: chunk), oneShot)
            #expect(worst <= 1e-5, "chunk \(chunk): max |chunked - one-shot| = \(worst)")
        }
    }

    @Test func noiseIsSeededScaledAndPositionAddressable() throws {
        let student = try tinyStudent()
        let (_, mel) = randomCase(batch: 1, length: 40)
        let a = IAFStudent.noise(batch: 1, length: 40, seed: 3, base: .logistic)
        let longer = IAFStudent.noise(batch: 1, length: 60, seed: 3, base: .logistic)
        #expect(Array(longer.scalars.prefix(40)) == a.scalars)
        #expect(IAFStudent.noise(batch: 1, length: 40, seed: 4, base: .logistic) != a)
        #expect(student.noise(batch: 1, length: 40, seed: 3) == a)
        let cold = IAFStudent.noise(batch: 1, length: 40, seed: 3, temperature: 0.5, base: .logistic)
        #expect(zip(cold.scalars, a.scalars).allSatisfy { $0 == 0.5 * $1 })
        // synthesize(seed:) is synthesize(noise:) on that noise.
        let bySeed = student.synthesize(mel: mel, length: 40, seed: 3, temperature: 0.5)
        let byNoise = student.synthesize(mel: mel, noise: cold)
        #expect(bySeed == byNoise)
        // Default length: (F - 1) * hop.
        #expect(student.synthesize(mel: mel, seed: 3).shape == [1, (mel.shape[1] - 1) * 4])
    }

    /// A Gaussian student draws N(0, 1) noise (`Philox.nextNormal`, one per value) everywhere
    /// its synthesis samples, and its synthesis is the forward on that noise.
    @Test func gaussianStudentSynthesizesFromNormalNoise() throws {
        let student = try tinyStudent { $0.base = .gaussian }
        let (_, mel) = randomCase(batch: 1, length: 40)
        var rng = Philox(seed: 3, stream: IAFStudent.noiseStream)
        let normals = Tensor(shape: [1, 40, 1], scalars: rng.normals(40))
        #expect(student.noise(batch: 1, length: 40, seed: 3) == normals)
        #expect(IAFStudent.noise(batch: 1, length: 40, seed: 3, base: .logistic) != normals)
        let bySeed = student.synthesize(mel: mel, length: 40, seed: 3)
        let reference = student.forward(noise: normals, mel: mel).output.x
        #expect(maxAbsDifference(bySeed, reference) <= 1e-5)
    }
}
