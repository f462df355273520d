import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Teacher

/// A tiny mel-conditioned teacher (4 layers, kernel 2, hop 4) on a random case.
private func tinyTeacher(head: OutputHeadConfig.Kind = .mol, seed: UInt64 = 1) throws -> WaveNet {
    var config = WaveNetConfig.preset(.tiny)
    config.head.kind = head
    // Unit initial scales keep the heads smooth at this case's random inputs, so central
    // differences with the harness's step stay accurate.
    config.head.initialLogScale = 0
    config.upsampler = .init(kind: .transposed, strides: [2, 2])
    return try WaveNet(config: config, conditionChannels: 3, hop: 4, seed: seed)
}

private func randomCase(batch: Int, length: Int, mels: Int = 3, hop: Int = 4, seed: UInt64 = 2) -> (x: Tensor, mel: Tensor) {
    var rng = Philox(seed: seed)
    let x = Tensor(shape: [batch, length, 1], scalars: rng.uniforms(batch * length, low: -0.9, high: 0.9))
    let frames = length / hop + 1
    let mel = Tensor(shape: [batch, frames, mels], scalars: rng.normals(batch * frames * mels))
    return (x, mel)
}

@Suite struct WaveNetTests {
    @Test func receptiveFieldMatchesFormulaAndIsCausal() throws {
        let net = try tinyTeacher()
        // tiny: 4 layers, 2 stacks, k 2: dilations 1, 2, 1, 2 -> (k-1)*6 + 1 + 1 for the shift.
        #expect(net.config.receptiveField == 8)
        let (x, mel) = randomCase(batch: 1, length: 32)
        let t0 = 10
        var y = x
        y.scalars[t0] += 0.5
        let a = net.forward(audio: x, mel: mel).params
        let b = net.forward(audio: y, mel: mel).params
        let p = net.parameterCount
        func changed(_ t: Int) -> Bool { (0..<p).contains { a.scalars[t * p + $0] != b.scalars[t * p + $0] } }
        // θ_t sees x[t-R+1 ..< t]: x[t0] affects exactly t0+1 ... t0+R-1.
        for t in 0..<32 {
            let expected = t > t0 && t <= t0 + net.config.receptiveField - 1
            #expect(changed(t) == expected, "t = \(t)")
        }
    }

    @Test(arguments: [OutputHeadConfig.Kind.mol, .gaussian])
    func inputAndParameterGradientsPassFiniteDifferences(head: OutputHeadConfig.Kind) throws {
        let net = try tinyTeacher(head: head)
        let (x, mel) = randomCase(batch: 2, length: 12)
        var rng = Philox(seed: 9)
        let (params, cache) = net.forward(audio: x, mel: mel)
        let g = Tensor(shape: params.shape, scalars: rng.normals(params.count))
        net.parameters.zeroGradients()
        let dx = net.backward(params: g, cache: cache)
        // eps 1e-3: with 1e-2 the probes of shared biases cross the head's relu kinks.
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3))
        let rx = checker.check(name: "teacher.dx", at: x, analytic: dx) { net.forward(audio: $0, mel: mel).params.dot(g) }
        #expect(rx.passed, "\(rx)")
        for p in net.parameters.parameters {
            let saved = p.value
            let r = checker.check(name: p.name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return net.forward(audio: x, mel: mel).params.dot(g)
            }
            #expect(r.passed, "\(r)")
        }
    }

    @Test func frozenBackwardGivesSameInputGradientAndNoParameterGradients() throws {
        let net = try tinyTeacher()
        let (x, mel) = randomCase(batch: 1, length: 16)
        var rng = Philox(seed: 4)
        let (params, cache) = net.forward(audio: x, mel: mel)
        let g = Tensor(shape: params.shape, scalars: rng.normals(params.count))
        net.parameters.zeroGradients()
        let full = net.backward(params: g, cache: cache)
        net.parameters.zeroGradients()
        let frozen = net.backward(params: g, cache: cache, parameterGradients: false)
        #expect(full == frozen)
        #expect(net.parameters.parameters.allSatisfy { $0.gradient.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func nllGradientPassesFiniteDifferences() throws {
        let net = try tinyTeacher()
        let (x, mel) = randomCase(batch: 1, length: 10)
        net.parameters.zeroGradients()
        _ = net.negativeLogLikelihood(audio: x, mel: mel, accumulateGradients: true)
        let checker = GradientChecker(options: .init(epsilon: 1e-3, relativeTolerance: 2e-2, absoluteTolerance: 1e-3))
        for name in ["teacher.head.out.weight", "teacher.layers.3.dilated.weight", "teacher.upsampler.stages.0.weight"] {
            guard let p = net.parameters[name] else { Issue.record("no parameter \(name)"); continue }
            let saved = p.value
            let r = checker.check(name: name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return net.negativeLogLikelihood(audio: x, mel: mel, accumulateGradients: false)
            }
            #expect(r.passed, "\(r)")
        }
    }

    @Test(arguments: [OutputHeadConfig.Kind.mol, .mulaw256, .gaussian])
    func cachedSamplingEqualsNaiveSampling(head: OutputHeadConfig.Kind) throws {
        let net = try tinyTeacher(head: head, seed: 5)
        let (_, mel) = randomCase(batch: 2, length: 40, seed: 6)
        let c = net.condition(mel: mel, length: 40).condition
        var r1 = Philox(seed: 77), r2 = Philox(seed: 77)
        let cached = net.sampleCached(condition: c, rng: &r1)
        let naive = net.sampleNaive(condition: c, rng: &r2)
        let worst = zip(cached.scalars, naive.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |cached - naive| = \(worst)")
        // Not trivially equal: the samples vary.
        #expect(Set(cached.scalars).count > 20)
    }

    /// The cached sampler's steps, teacher-forced with a given waveform, give the full
    /// forward's θ at every step (1e-4), batched (GEMV per item at B = 2, GEMM at B = 6) and per
    /// utterance at B = 1, across preactivation blocks (chunk 7).
    @Test(arguments: [2, 6])
    func cachedStepsEqualTheFullForwardBatchedAndPerUtterance(batch: Int) throws {
        let net = try tinyTeacher(seed: 8)
        let length = 30
        let (x, mel) = randomCase(batch: batch, length: length, seed: 9)
        let c = net.condition(mel: mel, length: length).condition
        let full = net.forward(audio: x, condition: c).params
        let p = net.parameterCount
        /// θ of every step from the cached state of `items` (teacher-forced with x), [B, T, P].
        func stepped(items: Range<Int>) -> [Float] {
            let n = items.count
            var state = CachedSamplingState(net, batch: n, chunk: 7)
            var sub = [Float](repeating: 0, count: n * length * net.conditionChannels)
            let cm = net.conditionChannels
            for (i, b) in items.enumerated() {
                for j in 0..<(length * cm) { sub[i * length * cm + j] = c.scalars[b * length * cm + j] }
            }
            var theta = [Float](repeating: 0, count: n * length * p)
            sub.withUnsafeBufferPointer { pc in
                for t in 0..<length {
                    if t % state.chunk == 0 {
                        state.prepare(condition: pc.baseAddress!, length: length, from: t, count: min(state.chunk, length - t))
                    }
                    let previous = items.map { t == 0 ? 0 : x[$0, t - 1, 0] }
                    let params = previous.withUnsafeBufferPointer { state.step(previous: $0.baseAddress!, offset: t % state.chunk) }
                    for i in 0..<n { for k in 0..<p { theta[(i * length + t) * p + k] = params[i * p + k] } }
                }
            }
            return theta
        }
        let batched = stepped(items: 0..<batch)
        var worstFull: Float = 0, worstSingle: Float = 0
        for b in 0..<batch {
            let single = stepped(items: b..<(b + 1))
            for j in 0..<(length * p) {
                worstFull = max(worstFull, abs(batched[b * length * p + j] - full.scalars[b * length * p + j]))
                worstSingle = max(worstSingle, abs(batched[b * length * p + j] - single[j]))
            }
        }
        #expect(worstFull < 1e-4, "max |cached step θ - full forward θ| = \(worstFull)")
        #expect(worstSingle < 1e-4, "max |batched θ - single-stream θ| = \(worstSingle)")
    }

    /// Cached == naive sampling with a batch large enough for the GEMM step path.
    @Test func batchedCachedSamplingEqualsNaiveSampling() throws {
        let net = try tinyTeacher(seed: 10)
        let (_, mel) = randomCase(batch: 6, length: 24, seed: 11)
        let c = net.condition(mel: mel, length: 24).condition
        var r1 = Philox(seed: 78), r2 = Philox(seed: 78)
        let cached = net.sampleCached(condition: c, rng: &r1)
        let naive = net.sampleNaive(condition: c, rng: &r2)
        let worst = zip(cached.scalars, naive.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "max |cached - naive| = \(worst)")
    }
}

extension Tensor {
    fileprivate func dot(_ other: Tensor) -> Double { GradientCheck.dot(self, other) }
}
