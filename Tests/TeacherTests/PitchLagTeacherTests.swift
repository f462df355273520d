import Foundation
import GradientCheck
import Optimization
import HarmonicSource
import LinearPrediction
import Randomness
import SignalProcessing
import Tensors
import Testing
@testable import Teacher

// Tiny features (`tinyFeatures`, 3 mel bands, hop 4) and lag tracks made by hand: the tests probe
// the lagged input's plumbing, independent of the pitch estimator (tested in HarmonicSourceTests).

private func lagTeacher(linearPrediction: Bool, head: OutputHeadConfig.Kind = .mol, seed: UInt64 = 1) throws -> WaveNet {
    var config = WaveNetConfig.preset(.tiny)
    config.head.kind = head
    config.upsampler = .init(kind: .transposed, strides: [2, 2])
    config.pitchLag = HarmonicSourceConfig()
    if linearPrediction { config.linearPrediction = LinearPredictionConfig(order: 4, preemphasis: 0.85) }
    return try WaveNet(config: config, conditionChannels: 3, hop: 4, seed: seed, features: tinyFeatures)
}

/// Lags of 9.25 samples (beyond the tiny teacher's receptive field of 8), unvoiced (0) in the
/// first `unvoiced` samples, per item 9.25 + item.
private func lagTracks(batch: Int, length: Int, unvoiced: Int = 6) -> [PitchLagTrack] {
    (0..<batch).map { b in PitchLagTrack(lags: (0..<length).map { $0 < unvoiced ? 0 : 9.25 + Float(b) }) }
}


@Suite struct PitchLagTrackTests {
    /// x~_t interpolates between x[t - m] and x[t - m - 1]; 0 where unvoiced or before the start.
    @Test func laggedSamplesInterpolateOnePeriodBack() {
        let track = PitchLagTrack(lags: [0, 0, 0, 2.25, 2.25, 3, 0])
        let x: [Float] = [1, 2, 4, 8, 16, 32, 64]
        let y = x.withUnsafeBufferPointer { p in (0..<7).map { track.lagged(at: $0, past: p.baseAddress!) } }
        // t = 3: 0.75 x[1] + 0.25 x[0]; t = 4: 0.75 x[2] + 0.25 x[1]; t = 5: x[2].
        #expect(y == [0, 0, 0, 1.75, 3.5, 4, 0])
        // Before the start: t = 2 with lag 2.25 reads x[0] and a zero.
        let early = PitchLagTrack(lags: [0, 0, 2.25])
        #expect(x.withUnsafeBufferPointer { early.lagged(at: 2, past: $0.baseAddress!) } == 0.75)
    }

    /// The adjoint: <lagged(x), d> = <x, adjoint(d)> for random x and d.
    @Test func adjointIsTheTranspose() {
        var rng = Philox(seed: 4)
        let track = PitchLagTrack(lags: (0..<50).map { $0 % 7 == 0 ? 0 : 2 + Float($0 % 5) * 1.7 })
        let x = rng.normals(50), d = rng.normals(50)
        var adjoint = [Float](repeating: 0, count: 50)
        var forward = 0.0
        x.withUnsafeBufferPointer { px in
            for t in 0..<50 { forward += Double(track.lagged(at: t, past: px.baseAddress!) * d[t]) }
        }
        adjoint.withUnsafeMutableBufferPointer { pa in
            for t in 0..<50 { track.addLaggedAdjoint(d[t], at: t, into: pa.baseAddress!) }
        }
        let backward = zip(x, adjoint).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(abs(forward - backward) < 1e-4 * max(1, abs(forward)))
    }

    /// From frames: lag = rate / f0 where voiced (160 Hz at 16 kHz: 100 samples), 0 elsewhere.
    @Test func lagsFollowTheFrames() {
        let frames = [SourceFrame.unvoiced, .unvoiced, SourceFrame(f0Hz: 160, voiced: true), SourceFrame(f0Hz: 160, voiced: true)]
        let track = PitchLagTrack(frames: frames, hop: 256, sampleRate: 16000, length: 1024)
        #expect(track.lags[0] == 0 && track.lags[300] == 0)
        #expect(track.lags[400] == 100 && track.lags[1000] == 100)
    }
}

@Suite struct PitchLagTeacherTests {
    /// θ_t must not see x_t; through the lag it sees x one period back, beyond the receptive field.
    @Test func staysCausalAndReadsOnePeriodBack() throws {
        let net = try lagTeacher(linearPrediction: false)
        let length = 40
        var rng = Philox(seed: 2)
        let x = Tensor(shape: [1, length, 1], scalars: rng.uniforms(length, low: -0.5, high: 0.5))
        let mel = steadyMel(batch: 1, length: length, seed: 3)
        let c = net.condition(mel: mel, length: length).condition
        let lags = lagTracks(batch: 1, length: length)
        let t0 = 12
        var y = x
        y.scalars[t0] += 0.3
        let a = net.forward(audio: x, condition: c, pitchLag: lags).params
        let b = net.forward(audio: y, condition: c, pitchLag: lags).params
        let p = net.parameterCount
        let changed = (0..<length).filter { t in (0..<p).contains { a.scalars[t * p + $0] != b.scalars[t * p + $0] } }
        #expect(changed.allSatisfy { $0 > t0 }, "changed at \(changed)")
        // x[12] is x~ at t = 21 (lag 9.25: 0.75 x[t-9] + 0.25 x[t-10]) and t = 22, beyond t0 + R - 1 = 19.
        #expect(changed.contains(21) && changed.contains(22), "changed at \(changed)")
    }

    @Test(arguments: [false, true])
    func gradientsPassFiniteDifferences(linearPrediction: Bool) throws {
        let net = try lagTeacher(linearPrediction: linearPrediction)
        let length = 24
        var rng = Philox(seed: 9)
        let x = Tensor(shape: [2, length, 1], scalars: rng.uniforms(2 * length, low: -0.5, high: 0.5))
        let mel = Tensor(shape: [2, length / 4 + 1, 3], scalars: rng.normals(2 * (length / 4 + 1) * 3, scale: 0.3).map { $0 - 1 })
        let c = net.condition(mel: mel, length: length).condition
        let prediction = net.prediction(mel: mel, length: length)
        let lags = lagTracks(batch: 2, length: length)
        func params(_ audio: Tensor) -> Tensor { net.forward(audio: audio, condition: c, prediction: prediction, pitchLag: lags).params }
        let (theta, cache) = net.forward(audio: x, condition: c, prediction: prediction, pitchLag: lags)
        let g = Tensor(shape: theta.shape, scalars: rng.normals(theta.count))
        net.parameters.zeroGradients()
        let dx = net.backward(params: g, cache: cache)
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3))
        let rx = checker.check(name: "teacher.dx", at: x, analytic: dx) { GradientCheck.dot(params($0), g) }
        #expect(rx.passed, "\(rx)")
        let input = try #require(net.parameters["teacher.input.weight"])
        #expect(input.value.shape == [2, net.config.residualChannels])
        let saved = input.value
        let r = checker.check(name: input.name, at: input.value, analytic: input.gradient) { probe in
            input.value = probe
            defer { input.value = saved }
            return GradientCheck.dot(params(x), g)
        }
        #expect(r.passed, "\(r)")
    }

    @Test(arguments: [false, true])
    func cachedSamplingEqualsNaiveSampling(linearPrediction: Bool) throws {
        let net = try lagTeacher(linearPrediction: linearPrediction, seed: 5)
        // A lag-channel weight large enough that the lag visibly shapes the samples.
        let input = try #require(net.parameters["teacher.input.weight"])
        for j in 0..<net.config.residualChannels { input.value.scalars[net.config.residualChannels + j] *= 20 }
        let length = 60
        let mel = steadyMel(batch: 2, length: length, seed: 6)
        let c = net.condition(mel: mel, length: length).condition
        let prediction = net.prediction(mel: mel, length: length)
        let lags = lagTracks(batch: 2, length: length)
        var r1 = Philox(seed: 77), r2 = Philox(seed: 77), r3 = Philox(seed: 77)
        let cached = net.sampleCached(condition: c, prediction: prediction, pitchLag: lags, rng: &r1)
        let naive = net.sampleNaive(condition: c, prediction: prediction, pitchLag: lags, rng: &r2)
        let worst = zip(cached.scalars, naive.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |cached - naive| = \(worst)")
        // Unvoiced everywhere: another waveform from the same noise, so the lag was used.
        let silent = (0..<2).map { _ in PitchLagTrack(lags: [Float](repeating: 0, count: length)) }
        let unlagged = net.sampleCached(condition: c, prediction: prediction, pitchLag: silent, rng: &r3)
        #expect(zip(cached.scalars, unlagged.scalars).contains { abs($0 - $1) > 1e-3 })
    }

    /// A checkpoint keeps the pitch lag: the reloaded teacher has the two-row input and scores alike.
    @Test func survivesACheckpoint() throws {
        let net = try lagTeacher(linearPrediction: true, seed: 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lag-teacher-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try net.parameters.save(to: url, metadata: net.metadata(features: tinyFeatures, step: 7))
        let (loaded, _, _) = try WaveNet.load(from: url)
        #expect(loaded.config.pitchLag == HarmonicSourceConfig())
        #expect(loaded.parameters["teacher.input.weight"]?.value == net.parameters["teacher.input.weight"]?.value)
    }
}
