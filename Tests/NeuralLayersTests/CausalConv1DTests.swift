import GradientCheck
import Randomness
import Testing
import Tensors
@testable import NeuralLayers

@Suite struct CausalConv1DTests {
    struct Case: Sendable, CustomStringConvertible {
        var batch: Int, length: Int, cin: Int, cout: Int, k: Int, d: Int
        var description: String { "B\(batch) T\(length) \(cin)->\(cout) k\(k) d\(d)" }
    }

    static let cases: [Case] = [
        Case(batch: 2, length: 11, cin: 3, cout: 4, k: 2, d: 1),
        Case(batch: 1, length: 13, cin: 2, cout: 5, k: 3, d: 2),
        Case(batch: 3, length: 9, cin: 4, cout: 3, k: 3, d: 4),   // oldest tap partly before t = 0
        Case(batch: 2, length: 5, cin: 2, cout: 2, k: 2, d: 8),   // shift longer than T
        Case(batch: 2, length: 7, cin: 3, cout: 2, k: 1, d: 1),   // k = 1 is a 1x1 conv
    ]

    private func makeConv(_ c: Case, _ strategy: CausalConv1D.Strategy, seed: UInt64 = 1) -> CausalConv1D {
        var rng = Philox(seed: seed)
        var conv = CausalConv1D(prefix: "conv", inputChannels: c.cin, outputChannels: c.cout,
                                kernelSize: c.k, dilation: c.d, rng: &rng)
        conv.strategy = strategy
        Support.randomize(conv.parameters, &rng)
        return conv
    }

    @Test(arguments: cases, [CausalConv1D.Strategy.perTap, .fusedTaps])
    func forwardMatchesNaiveLoops(c: Case, strategy: CausalConv1D.Strategy) {
        let conv = makeConv(c, strategy)
        var rng = Philox(seed: 2)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let expected = Support.naiveConv(x, weight: conv.weight.value, bias: conv.bias?.value, dilation: c.d)
        let diff = Support.maxAbsDifference(conv(x), expected)
        #expect(diff < 1e-5, "\(c): max |diff| \(diff)")
    }

    @Test(arguments: cases, [CausalConv1D.Strategy.perTap, .fusedTaps])
    func gradientsPassFiniteDifferences(c: Case, strategy: CausalConv1D.Strategy) {
        let conv = makeConv(c, strategy)
        var rng = Philox(seed: 3)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let g = Support.random([c.batch, c.length, c.cout], &rng)
        let (_, cache) = conv.forward(x)
        let dx = conv.backward(g, cache: cache)
        let checker = GradientChecker()
        let rx = checker.check(name: "x", at: x, analytic: dx) { dot(conv($0), g) }
        #expect(rx.passed, "\(c) \(strategy): \(rx)")
        for p in conv.parameters {
            let r = Support.check(p) { dot(conv(x), g) }
            #expect(r.passed, "\(c) \(strategy): \(r)")
        }
    }

    /// Fused (blocked, threaded) and per-tap GEMMs agree on a case big enough to use several
    /// blocks and both threads, forward and backward.
    @Test func fusedMatchesPerTapOnALargeCase() {
        let c = Case(batch: 2, length: 3000, cin: 32, cout: 48, k: 3, d: 16)
        let fused = makeConv(c, .fusedTaps)
        var perTap = fused
        perTap.strategy = .perTap
        var rng = Philox(seed: 4)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let g = Support.random([c.batch, c.length, c.cout], &rng)
        let (yf, cf) = fused.forward(x)
        let (yp, cp) = perTap.forward(x)
        #expect(Support.maxAbsDifference(yf, yp) < 1e-4)
        let dxf = fused.backward(g, cache: cf)
        let dwf = fused.weight.gradient, dbf = fused.bias?.gradient
        fused.weight.zeroGradient()
        fused.bias?.zeroGradient()
        let dxp = perTap.backward(g, cache: cp)
        #expect(Support.maxAbsDifference(dxf, dxp) < 1e-4)
        let dwDiff = Support.maxAbsDifference(dwf, perTap.weight.gradient)
        #expect(dwDiff < 1e-3 * max(1, Ops.maxAbs(dwf)), "dW diff \(dwDiff)")
        if let dbf, let dbp = perTap.bias?.gradient { #expect(Support.maxAbsDifference(dbf, dbp) < 1e-2) }
    }

    /// Perturbing x[t0] changes no output before t0 (and does change the output at t0).
    @Test(arguments: [CausalConv1D.Strategy.perTap, .fusedTaps])
    func isCausal(strategy: CausalConv1D.Strategy) {
        let c = Case(batch: 2, length: 40, cin: 3, cout: 4, k: 3, d: 3)
        let conv = makeConv(c, strategy)
        var rng = Philox(seed: 5)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let y = conv(x)
        for t0 in [0, 7, 20, 39] {
            var xp = x
            for ch in 0..<c.cin { xp[1, t0, ch] += 1 }
            let yp = conv(xp)
            for t in 0..<c.length {
                let changed = (0..<c.cout).contains { yp[1, t, $0] != y[1, t, $0] }
                if t < t0 { #expect(!changed, "output at \(t) changed after perturbing x[\(t0)]") }
                if t == t0 { #expect(changed) }
            }
            // The other batch item is untouched.
            #expect((0..<c.length).allSatisfy { t in (0..<c.cout).allSatisfy { yp[0, t, $0] == y[0, t, $0] } })
        }
    }

    /// Stepping through time with a ConvQueue reproduces the full convolution (1e-5), for the
    /// GEMV (batch <= 4) and GEMM (batch > 4) paths.
    @Test(arguments: [1, 3, 6])
    func incrementalStepsReproduceTheFullConv(batch: Int) {
        let c = Case(batch: batch, length: 50, cin: 5, cout: 7, k: 3, d: 4)
        let conv = makeConv(c, .fusedTaps)
        var rng = Philox(seed: 6)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let full = conv(x)
        var queue = conv.makeQueue(batch: batch)
        #expect(queue.length == (c.k - 1) * c.d)
        var worst: Float = 0
        for t in 0..<c.length {
            var xt = Tensor(shape: [batch, c.cin])
            for b in 0..<batch { for ch in 0..<c.cin { xt[b, ch] = x[b, t, ch] } }
            let yt = conv.step(xt, queue: &queue)
            for b in 0..<batch { for o in 0..<c.cout { worst = max(worst, abs(yt[b, o] - full[b, t, o])) } }
        }
        #expect(worst < 1e-5, "max |step - full| \(worst)")
        // The queue holds exactly the last (k-1)*d inputs.
        #expect(queue.past(item: batch - 1, stepsAgo: 1) == (0..<c.cin).map { x[batch - 1, c.length - 1, $0] })
        #expect(queue.past(item: 0, stepsAgo: queue.length) == (0..<c.cin).map { x[0, c.length - queue.length, $0] })
    }

    /// The allocation-free `StepKernel` (weight copy, contiguous queue windows) reproduces the
    /// full conv over many queue copy-backs (T >> roundsPerCopy * d), for k = 1, 2, 3 and the
    /// GEMV and GEMM paths; its queue's history is the last (k-1)*d inputs.
    @Test(arguments: [Case(batch: 1, length: 90, cin: 6, cout: 5, k: 2, d: 1),
                      Case(batch: 2, length: 120, cin: 3, cout: 4, k: 3, d: 3),
                      Case(batch: 6, length: 70, cin: 4, cout: 3, k: 3, d: 2),
                      Case(batch: 5, length: 40, cin: 3, cout: 2, k: 1, d: 1)])
    func stepKernelReproducesTheFullConv(c: Case) {
        let conv = makeConv(c, .fusedTaps, seed: 11)
        var rng = Philox(seed: 12)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let full = Support.naiveConv(x, weight: conv.weight.value, bias: conv.bias?.value, dilation: c.d)
        let kernel = CausalConv1D.StepKernel(conv)
        var queue = kernel.makeQueue(batch: c.batch)
        var worst: Float = 0
        var xt = [Float](repeating: 0, count: c.batch * c.cin), yt = [Float](repeating: 0, count: c.batch * c.cout)
        for t in 0..<c.length {
            for b in 0..<c.batch { for ch in 0..<c.cin { xt[b * c.cin + ch] = x[b, t, ch] } }
            xt.withUnsafeBufferPointer { px in
                yt.withUnsafeMutableBufferPointer { kernel.step(px.baseAddress!, into: $0.baseAddress!, queue: &queue) }
            }
            for b in 0..<c.batch { for o in 0..<c.cout { worst = max(worst, abs(yt[b * c.cout + o] - full[b, t, o])) } }
            for s in stride(from: 1, through: queue.length, by: 1) where t - s >= 0 {
                #expect(queue.past(item: c.batch - 1, stepsAgo: s) == (0..<c.cin).map { x[c.batch - 1, t + 1 - s, $0] })
            }
        }
        #expect(worst < 1e-5, "max |step - full| \(worst) (\(c))")
    }

    /// `BlockedStepConv` (past taps computed d steps ahead) reproduces the full conv over many
    /// blocks and history copy-backs, for k = 1, 2, 3, small and large d, GEMV and GEMM paths,
    /// overwriting and accumulating.
    @Test(arguments: [Case(batch: 1, length: 90, cin: 6, cout: 5, k: 2, d: 1),
                      Case(batch: 2, length: 150, cin: 3, cout: 4, k: 3, d: 3),
                      Case(batch: 6, length: 130, cin: 4, cout: 3, k: 3, d: 8),
                      Case(batch: 1, length: 50, cin: 3, cout: 4, k: 3, d: 32),
                      Case(batch: 5, length: 40, cin: 3, cout: 2, k: 1, d: 1)])
    func blockedStepConvReproducesTheFullConv(c: Case) {
        let conv = makeConv(c, .fusedTaps, seed: 13)
        var rng = Philox(seed: 14)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let full = Support.naiveConv(x, weight: conv.weight.value, bias: conv.bias?.value, dilation: c.d)
        for accumulate in [false, true] {
            var stepper = BlockedStepConv(conv, batch: c.batch)
            var worst: Float = 0
            var xt = [Float](repeating: 0, count: c.batch * c.cin)
            for t in 0..<c.length {
                for b in 0..<c.batch { for ch in 0..<c.cin { xt[b * c.cin + ch] = x[b, t, ch] } }
                // Accumulating onto 1.0 everywhere.
                var yt = [Float](repeating: accumulate ? 1 : 7, count: c.batch * c.cout)
                xt.withUnsafeBufferPointer { px in
                    yt.withUnsafeMutableBufferPointer { stepper.step(px.baseAddress!, into: $0.baseAddress!, accumulate: accumulate) }
                }
                for b in 0..<c.batch {
                    for o in 0..<c.cout {
                        worst = max(worst, abs(yt[b * c.cout + o] - (accumulate ? 1 : 0) - full[b, t, o]))
                    }
                }
            }
            #expect(worst < 1e-5, "max |blocked step - full| \(worst) (\(c), accumulate \(accumulate))")
        }
    }

    @Test func frozenBackwardLeavesParameterGradientsAlone() {
        let c = Case(batch: 1, length: 20, cin: 3, cout: 4, k: 2, d: 2)
        let conv = makeConv(c, .fusedTaps)
        var rng = Philox(seed: 7)
        let x = Support.random([1, 20, 3], &rng), g = Support.random([1, 20, 4], &rng)
        let (_, cache) = conv.forward(x)
        let dxFrozen = conv.backward(g, cache: cache, parameterGradients: false)
        #expect(Ops.maxAbs(conv.weight.gradient) == 0 && Ops.maxAbs(conv.bias?.gradient ?? Tensor(shape: [0])) == 0)
        let dx = conv.backward(g, cache: cache)
        #expect(dx == dxFrozen)
        #expect(Ops.maxAbs(conv.weight.gradient) > 0)
    }

    /// Backward adds into the gradients: two backwards give twice the gradient.
    @Test func backwardAccumulates() {
        let c = Case(batch: 2, length: 10, cin: 2, cout: 3, k: 2, d: 1)
        let conv = makeConv(c, .fusedTaps)
        var rng = Philox(seed: 8)
        let x = Support.random([2, 10, 2], &rng), g = Support.random([2, 10, 3], &rng)
        let (_, cache) = conv.forward(x)
        _ = conv.backward(g, cache: cache)
        let once = conv.weight.gradient
        _ = conv.backward(g, cache: cache)
        #expect(Support.maxAbsDifference(conv.weight.gradient, Ops.scale(once, by: 2)) < 1e-5)
    }

    /// Same inputs and thread count give bit-identical outputs and gradients (the blocks and
    /// the per-worker gradient partials are split the same way every time).
    @Test func threadedConvIsDeterministic() {
        let c = Case(batch: 2, length: 2500, cin: 16, cout: 32, k: 3, d: 8)
        let conv = makeConv(c, .fusedTaps)
        var rng = Philox(seed: 9)
        let x = Support.random([c.batch, c.length, c.cin], &rng)
        let g = Support.random([c.batch, c.length, c.cout], &rng)
        var runs: [(Tensor, Tensor, Tensor)] = []
        for _ in 0..<2 {
            conv.weight.zeroGradient()
            let (y, cache) = conv.forward(x)
            let dx = conv.backward(g, cache: cache)
            runs.append((y, dx, conv.weight.gradient))
        }
        #expect(runs[0].0 == runs[1].0 && runs[0].1 == runs[1].1 && runs[0].2 == runs[1].2)
    }
}
