import GradientCheck
import Randomness
import Testing
import Tensors
@testable import NeuralLayers

@Suite struct ConditionUpsamplerTests {
    static let modes: [ConditionUpsampler.Mode] = [.repeatThenSmooth(width: 3), .transposed(strides: [2, 4]),
                                                   .sharedTransposed(strides: [2, 4])]

    @Test(arguments: modes)
    func outputLengthIsFramesTimesHop(mode: ConditionUpsampler.Mode) {
        let up = ConditionUpsampler(prefix: "upsample", channels: 3, hop: 8, mode: mode)
        var rng = Philox(seed: 51)
        let frames = Support.random([2, 5, 3], &rng)
        #expect(up(frames).shape == [2, 40, 3])
    }

    /// A single non-zero frame f produces its largest output at (or half a sample from) f*hop:
    /// the center=true alignment.
    @Test(arguments: modes)
    func frameIsCenteredOnFrameTimesHop(mode: ConditionUpsampler.Mode) {
        let hop = 8
        let up = ConditionUpsampler(prefix: "upsample", channels: 1, hop: hop, mode: mode)
        for f in [2, 3] {
            var frames = Tensor(shape: [1, 6, 1])
            frames[0, f, 0] = 1
            let y = up(frames)
            var weighted = 0.0, total = 0.0
            for t in 0..<6 * hop {
                weighted += Double(t) * Double(y[0, t, 0])
                total += Double(y[0, t, 0])
            }
            let center = weighted / total
            #expect(abs(center - Double(f * hop)) <= 0.5, "frame \(f): centre of mass \(center), expected \(f * hop)")
        }
    }

    /// With its initial weights, a constant input gives a constant output (away from the ends).
    @Test(arguments: modes)
    func initialWeightsPreserveConstants(mode: ConditionUpsampler.Mode) {
        let up = ConditionUpsampler(prefix: "upsample", channels: 2, hop: 8, mode: mode)
        let y = up(Tensor(shape: [1, 6, 2], repeating: 0.7))
        for t in 8..<40 { #expect(abs(y[0, t, 1] - 0.7) < 1e-6, "t \(t): \(y[0, t, 1])") }
    }

    @Test(arguments: modes)
    func gradientsPassFiniteDifferences(mode: ConditionUpsampler.Mode) {
        let up = ConditionUpsampler(prefix: "upsample", channels: 3, hop: 8, mode: mode)
        var rng = Philox(seed: 52)
        Support.randomize(up.parameters, &rng)
        let frames = Support.random([2, 4, 3], &rng)
        let g = Support.random([2, 32, 3], &rng)
        let (_, cache) = up.forward(frames)
        let dframes = up.backward(g, cache: cache)
        let r = GradientChecker().check(name: "frames", at: frames, analytic: dframes) { dot(up($0), g) }
        #expect(r.passed, "\(r)")
        for p in up.parameters {
            let rp = Support.check(p) { dot(up(frames), g) }
            #expect(rp.passed, "\(rp)")
        }
    }

    @Test func parameterNamesAndShapes() {
        let up = ConditionUpsampler(prefix: "teacher.upsample", channels: 80, hop: 256, mode: .transposed(strides: [4, 4, 4, 4]))
        #expect(up.parameters.map(\.name) == (0..<4).flatMap { ["teacher.upsample.stages.\($0).weight", "teacher.upsample.stages.\($0).bias"] })
        #expect(up.parameters[0].shape == [7, 80])
        let sm = ConditionUpsampler(prefix: "u", channels: 80, hop: 256, mode: .repeatThenSmooth(width: 5))
        #expect(sm.parameters.map(\.shape) == [[5, 80], [80]])
        let shared = ConditionUpsampler(prefix: "s", channels: 80, hop: 256, mode: .sharedTransposed(strides: [4, 64]))
        #expect(shared.parameters.map(\.name) == ["s.input_gain", "s.stages.0.weight", "s.stages.0.bias",
                                                  "s.stages.1.weight", "s.stages.1.bias"])
        #expect(shared.parameters.map(\.shape) == [[80], [7], [80], [127], [80]])
        #expect(shared.sharesTaps && !up.sharesTaps)
    }

    /// Shared taps really are shared: every channel of a random shared upsampler is the same
    /// linear map of its (gained) input, so a channel fed another channel's frames scaled by
    /// its gain ratio gives that channel's output minus the bias difference.
    @Test func sharedTapsApplyTheSameKernelToEveryChannel() {
        let up = ConditionUpsampler(prefix: "u", channels: 2, hop: 8, mode: .sharedTransposed(strides: [2, 4]))
        var rng = Philox(seed: 60)
        Support.randomize(up.parameters, &rng)
        for b in up.biases { b.value = Tensor(shape: [2]) }
        guard let gain = up.inputGain else { Issue.record("no input gain"); return }
        let one = Support.random([1, 5], &rng)
        var frames = Tensor(shape: [1, 5, 2])
        for f in 0..<5 {
            frames[0, f, 0] = one[0, f] / gain.value[0]
            frames[0, f, 1] = one[0, f] / gain.value[1]
        }
        let y = up(frames)
        for t in 0..<40 { #expect(abs(y[0, t, 0] - y[0, t, 1]) <= 1e-5 * max(1, abs(y[0, t, 0])), "t \(t)") }
    }
}

/// The interpolation form of a shared-tap upsampler (what synthesis projects at the frame rate).
@Suite struct UpsamplerInterpolationTests {
    /// Random taps, gains and biases; strides as in the presets, odd strides, one stage, and
    /// frame counts down to a single frame: the two-frame form equals the stage-by-stage forward.
    @Test(arguments: [([4, 4, 4, 4], 5), ([2, 4], 1), ([2, 4], 2), ([3, 5], 6), ([16], 3), ([2, 2, 2], 9)])
    func interpolationEqualsTheForward(strides: [Int], frames: Int) {
        let hop = strides.reduce(1, *)
        let up = ConditionUpsampler(prefix: "u", channels: 3, hop: hop, mode: .sharedTransposed(strides: strides))
        var rng = Philox(seed: UInt64(70 + frames + hop))
        Support.randomize(up.parameters, &rng)
        let x = Support.random([2, frames, 3], &rng)
        let w = up.interpolation(frames: frames)
        #expect(w.positions == frames * hop && w.terms == 2 + strides.count)
        #expect(w.weights.count == w.terms * w.positions)
        let reference = up(x), interpolated = up.interpolate(x, with: w)
        var worst: Float = 0
        for i in 0..<reference.count { worst = max(worst, abs(reference.scalars[i] - interpolated.scalars[i])) }
        #expect(worst <= 1e-5, "max |interpolated - forward| = \(worst)")
    }

    /// With the fresh triangle taps the weights are linear interpolation between the frames
    /// centred on f * hop and (f + 1) * hop: w_0 = 1 - r / hop, w_1 = r / hop (r = u mod hop),
    /// and the zero biases' weights are those of a constant (1 where both frames exist).
    @Test func freshTapsInterpolateLinearly() {
        let up = ConditionUpsampler(prefix: "u", channels: 1, hop: 16, mode: .sharedTransposed(strides: [4, 4]))
        let w = up.interpolation(frames: 4)
        for u in 0..<48 {
            let r = Float(u % 16) / 16
            #expect(abs(w.weights[u] - (1 - r)) < 1e-6 && abs(w.weights[w.positions + u] - r) < 1e-6, "u \(u)")
            #expect(abs(w.weights[3 * w.positions + u] - 1) < 1e-6, "u \(u): last stage bias weight")
        }
    }
}

extension ConditionUpsampler.Mode: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .repeatThenSmooth(let w): "repeat+smooth(\(w))"
        case .transposed(let s): "transposed\(s)"
        case .sharedTransposed(let s): "sharedTransposed\(s)"
        }
    }
}

@Suite struct ConditionUpsamplerStandardizationTests {
    /// Frames at mean + v * std come out as v (away from the ends), per band, for both modes.
    @Test(arguments: ConditionUpsamplerTests.modes)
    func standardizedStartOutputsZScores(mode: ConditionUpsampler.Mode) {
        let up = ConditionUpsampler(prefix: "upsample", channels: 2, hop: 8, mode: mode)
        let mean: [Float] = [-2.5, -1], std: [Float] = [1.5, 0.5]
        up.standardizeInput(mean: mean, std: std)
        let z: [Float] = [0.8, -1.2]
        var frames = Tensor(shape: [1, 6, 2])
        for f in 0..<6 { for c in 0..<2 { frames[0, f, c] = mean[c] + z[c] * std[c] } }
        let y = up(frames)
        for t in 8..<40 {
            for c in 0..<2 { #expect(abs(y[0, t, c] - z[c]) < 1e-5, "t \(t) band \(c): \(y[0, t, c]), expected \(z[c])") }
        }
    }

    /// A band whose std is below the minimum is scaled by 1 / minimum, not blown up.
    @Test func tinyStdIsRaisedToTheMinimum() {
        let up = ConditionUpsampler(prefix: "upsample", channels: 1, hop: 8, mode: .transposed(strides: [2, 4]))
        up.standardizeInput(mean: [-5], std: [0], minimumStd: 0.1)
        let y = up(Tensor(shape: [1, 6, 1], repeating: -4))
        #expect(abs(y[0, 20, 0] - 10) < 1e-4)
    }
}
