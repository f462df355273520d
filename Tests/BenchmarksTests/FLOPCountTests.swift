import NeuralLayers
import Tensors
import Testing
@testable import Benchmarks
import Student
import Teacher

/// The FLOP formulas against a direct count: the multiply-adds of every weight matrix the
/// models actually hold, walked layer by layer (each weight row is used once per sample).
@Suite struct FLOPCountTests {
    /// Multiply-adds per sample of a weight of shape [k, Cin, Cout] or [Cin, Cout]: every
    /// output channel takes one product per input element of its window.
    static func macs(_ weight: Parameter) -> Int { weight.value.shape.reduce(1, *) }

    static func directTeacherCount(_ model: WaveNet) -> Int {
        var macs = Self.macs(model.input.weight)
        for block in model.blocks {
            macs += Self.macs(block.dilated.weight)
            if let condition = block.condition { macs += Self.macs(condition.weight) }
            macs += Self.macs(block.residual.weight)
            if let skip = block.skip { macs += Self.macs(skip.weight) }
        }
        macs += Self.macs(model.hidden.weight) + Self.macs(model.output.weight)
        return 2 * macs
    }

    static func directStudentCount(_ model: IAFStudent) -> Int {
        var macs = 0
        for flow in model.flows {
            macs += Self.macs(flow.input.weight) + Self.macs(flow.head.weight)
            for block in flow.blocks {
                macs += Self.macs(block.dilated.weight) + Self.macs(block.residual.weight)
                if let condition = block.condition { macs += Self.macs(condition.weight) }
                #expect(block.skip == nil, "student layers have no skip projection")
            }
        }
        return 2 * macs
    }

    @Test(arguments: [WaveNetConfig.Preset.tiny, .small])
    func teacherMatchesTheLayerShapes(_ preset: WaveNetConfig.Preset) throws {
        let model = try WaveNet(config: .preset(preset), conditionChannels: 80, hop: 256, seed: 3)
        let count = FLOPCount.teacher(model.config, conditionChannels: 80)
        #expect(count.total == Self.directTeacherCount(model))
        #expect(FLOPCount.headParameterCount(model.config.head) == model.parameterCount)
    }

    @Test func teacherTinyByHand() {
        // tiny: 4 layers, k 2, 8 residual, 16 gate, 8 skip, 2-way MoL (P = 6), 80 mel bands.
        let count = FLOPCount.teacher(.preset(.tiny), conditionChannels: 80)
        let perLayer = 2 * (2 * 8 * 16 + 80 * 16 + 8 * 8 + 8 * 8)
        #expect(count.total == 2 * 8 + 4 * perLayer + 2 * 8 * 8 + 2 * 8 * 6)
    }

    @Test(arguments: [StudentConfig.Preset.tiny, .small])
    func studentMatchesTheLayerShapes(_ preset: StudentConfig.Preset) throws {
        let model = try IAFStudent(config: .preset(preset), conditionChannels: 80, hop: 256, seed: 3)
        #expect(FLOPCount.student(model.config, conditionChannels: 80) == Self.directStudentCount(model))
    }

    /// Synthesis with frame-rate conditioning, counted from the weights: per sample the taps,
    /// residual, input and head weights plus 2 + S interpolation terms per gate channel and
    /// layer; per window every layer's conditioning weight once per frame and per stage bias,
    /// plus the upsampler pass on 2 + S probe channels that finds the interpolation weights.
    @Test func studentSynthesisAtTheFrameRateMatchesTheLayerShapes() throws {
        let model = try IAFStudent(config: .preset(.small), conditionChannels: 80, hop: 256, seed: 3)
        #expect(model.synthesizesAtFrameRate)
        let stages = model.config.upsampler.strides.count
        var perSample = 0, perFrame = 0
        for flow in model.flows {
            perSample += Self.macs(flow.input.weight) + Self.macs(flow.head.weight)
            for block in flow.blocks {
                perSample += Self.macs(block.dilated.weight) + Self.macs(block.residual.weight)
                    + (2 + stages) * block.dilated.weight.shape[2]
                if let condition = block.condition { perFrame += Self.macs(condition.weight) }
            }
        }
        #expect(FLOPCount.studentSynthesis(model.config, conditionChannels: 80, atFrameRate: true) == 2 * perSample)
        let frames = 10
        let probe = FLOPCount.upsampler(model.config.upsampler, channels: 2 + stages, hop: 256, frames: frames)
        #expect(FLOPCount.studentConditioning(model.config, conditionChannels: 80, hop: 256, frames: frames, atFrameRate: true)
                == probe + 2 * perFrame * (frames + stages))
        #expect(FLOPCount.studentSynthesis(model.config, conditionChannels: 80, atFrameRate: false)
                == Self.directStudentCount(model))
        #expect(abs(Double(FLOPCount.studentSynthesis(.preset(.full), conditionChannels: 80, atFrameRate: true)) / 1e6 - 3.53) < 0.01)
    }

    @Test func fullPresetsHaveTheDocumentedSize() {
        let student = FLOPCount.student(.preset(.full), conditionChannels: 80)
        #expect(student == StudentConfig.preset(.full).flopsPerSample(conditionChannels: 80))
        #expect(abs(Double(student) / 1e6 - 4.67) < 0.01)
        let teacher = FLOPCount.teacher(.preset(.full), conditionChannels: 80)
        #expect(teacher.total == 2 * 128 + 24 * 2 * (3 * 128 * 256 + 80 * 256 + 128 * 128 + 128 * 128)
                    + 2 * 128 * 128 + 2 * 128 * 30)
    }

    /// The transposed upsampler's taps counted output by output, as `ConditionUpsampler`
    /// computes them (second tap when o >= 1 and the next frame exists).
    @Test(arguments: [[4, 4, 4, 4], [16, 16], [2, 3]])
    func transposedUpsamplerCountsEveryTap(_ strides: [Int]) {
        let channels = 5, frames = 7
        var length = frames, taps = 0
        for s in strides {
            for u in 0..<(length * s) {
                let f = u / s, o = u % s
                taps += 1 + (o >= 1 && f + 1 < length ? 1 : 0)
            }
            length *= s
        }
        let config = UpsamplerConfig(kind: .transposed, strides: strides)
        #expect(FLOPCount.upsampler(config, channels: channels, hop: strides.reduce(1, *), frames: frames) == 2 * channels * taps)
    }

    @Test(arguments: [(1, 8), (3, 8), (5, 4), (9, 1)])
    func repeatUpsamplerCountsTheTapsInside(_ width: Int, _ hop: Int) {
        let channels = 3, frames = 2, n = frames * hop, half = width / 2
        var taps = 0
        for t in 0..<n { for i in 0..<width where t + i - half >= 0 && t + i - half < n { taps += 1 } }
        let config = UpsamplerConfig(kind: .repeat, smoothingWidth: width)
        #expect(FLOPCount.upsampler(config, channels: channels, hop: hop, frames: frames) == 2 * channels * taps)
    }

    @Test func naiveSamplingPositionsGrowThenSaturate() {
        #expect(FLOPCount.naiveSamplingPositions(length: 5, receptiveField: 3) == 1 + 2 + 3 + 3 + 3)
        #expect(FLOPCount.naiveSamplingPositions(length: 2, receptiveField: 10) == 1 + 2)
    }
}
