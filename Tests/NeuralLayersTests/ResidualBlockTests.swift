import GradientCheck
import Randomness
import Testing
import Tensors
@testable import NeuralLayers

@Suite struct ResidualBlockTests {
    /// With skip and conditioning (WaveNet teacher), and without either (IAF flow).
    static let configurations: [ResidualBlock.Configuration] = [
        .init(residualChannels: 4, gateChannels: 6, skipChannels: 5, conditionChannels: 3,
              kernelSize: 3, dilation: 2, scaleResidual: true),
        .init(residualChannels: 3, gateChannels: 4, skipChannels: nil, conditionChannels: nil,
              kernelSize: 2, dilation: 4, scaleResidual: false),
    ]

    private func makeBlock(_ c: ResidualBlock.Configuration) -> ResidualBlock {
        var rng = Philox(seed: 41)
        let block = ResidualBlock(prefix: "layers.0", configuration: c, rng: &rng)
        Support.randomize(block.parameters, &rng)
        return block
    }

    /// loss = sum(out * gOut) + sum(skip * gSkip)
    private func loss(_ block: ResidualBlock, _ x: Tensor, _ cond: Tensor?, _ gOut: Tensor, _ gSkip: Tensor?) -> Double {
        let (out, skip, _) = block.forward(x, condition: cond)
        return dot(out, gOut) + (skip.map { s in gSkip.map { dot(s, $0) } ?? 0 } ?? 0)
    }

    @Test(arguments: configurations)
    func gradientsPassFiniteDifferences(c: ResidualBlock.Configuration) {
        let block = makeBlock(c)
        var rng = Philox(seed: 42)
        let (batch, length) = (2, 12)
        let x = Support.random([batch, length, c.residualChannels], &rng)
        let cond = c.conditionChannels.map { Support.random([batch, length, $0], &rng) }
        let gOut = Support.random([batch, length, c.residualChannels], &rng)
        let gSkip = c.skipChannels.map { Support.random([batch, length, $0], &rng) }
        let (_, _, cache) = block.forward(x, condition: cond)
        let (dx, dc) = block.backward(output: gOut, skip: gSkip, cache: cache)
        let checker = GradientChecker()
        let rx = checker.check(name: "x", at: x, analytic: dx) { loss(block, $0, cond, gOut, gSkip) }
        #expect(rx.passed, "\(rx)")
        if let cond, let dc {
            let rc = checker.check(name: "c", at: cond, analytic: dc) { loss(block, x, $0, gOut, gSkip) }
            #expect(rc.passed, "\(rc)")
        } else {
            #expect(dc == nil && c.conditionChannels == nil)
        }
        let names = block.parameters.map(\.name)
        #expect(names.contains("layers.0.dilated.weight") && names.contains("layers.0.residual.bias"))
        #expect(names.contains("layers.0.skip.weight") == (c.skipChannels != nil))
        for p in block.parameters {
            let r = Support.check(p, checker: checker) { loss(block, x, cond, gOut, gSkip) }
            #expect(r.passed, "\(r)")
        }
    }

    /// The frozen backward (no parameter gradients, no conditioning gradient: what distillation
    /// asks of the teacher) gives exactly the full backward's dx, leaves the gradients alone and
    /// returns no d(c); d(out) = nil (an unused residual output) gives what a zero d(out) gives,
    /// parameter gradients included.
    @Test(arguments: configurations)
    func frozenBackwardGivesTheFullInputGradient(c: ResidualBlock.Configuration) {
        let block = makeBlock(c)
        var rng = Philox(seed: 47)
        let (batch, length) = (2, 12)
        let x = Support.random([batch, length, c.residualChannels], &rng)
        let cond = c.conditionChannels.map { Support.random([batch, length, $0], &rng) }
        let gOut = Support.random([batch, length, c.residualChannels], &rng)
        let gSkip = c.skipChannels.map { Support.random([batch, length, $0], &rng) }
        let (_, _, cache) = block.forward(x, condition: cond)
        for p in block.parameters { p.zeroGradient() }
        let (fullDx, _) = block.backward(output: gOut, skip: gSkip, cache: cache)
        for p in block.parameters { p.zeroGradient() }
        let (frozenDx, frozenDc) = block.backward(output: gOut, skip: gSkip, cache: cache,
                                                  parameterGradients: false, conditionGradient: false)
        #expect(frozenDx == fullDx)
        #expect(frozenDc == nil)
        #expect(block.parameters.allSatisfy { $0.gradient.scalars.allSatisfy { $0 == 0 } })

        guard let gSkip else { return }
        let zero = Tensor(shape: gOut.shape)
        let (dxZero, dcZero) = block.backward(output: zero, skip: gSkip, cache: cache, parameterGradients: false)
        let (dxNil, dcNil) = block.backward(output: nil, skip: gSkip, cache: cache, parameterGradients: false)
        #expect(Support.maxAbsDifference(dxZero, dxNil) < 1e-6)
        if let dcZero, let dcNil { #expect(Support.maxAbsDifference(dcZero, dcNil) < 1e-6) }
        // Parameter gradients with d(out) = nil equal those with a zero d(out).
        for p in block.parameters { p.zeroGradient() }
        _ = block.backward(output: zero, skip: gSkip, cache: cache)
        let withZero = block.parameters.map(\.gradient)
        for p in block.parameters { p.zeroGradient() }
        _ = block.backward(output: nil, skip: gSkip, cache: cache)
        for (p, expected) in zip(block.parameters, withZero) {
            #expect(Support.maxAbsDifference(p.gradient, expected) < 1e-6, "\(p.name)")
        }
    }

    /// Perturbing x[t0] (or c[t0]) changes no output or skip before t0.
    @Test func isCausal() {
        let c = Self.configurations[0]
        let block = makeBlock(c)
        var rng = Philox(seed: 43)
        let x = Support.random([1, 30, c.residualChannels], &rng)
        let cond = Support.random([1, 30, 3], &rng)
        let (out, skip, _) = block.forward(x, condition: cond)
        for t0 in [3, 17] {
            var xp = x, cp = cond
            xp[0, t0, 1] += 0.5
            cp[0, t0, 2] += 0.5
            for (xi, ci) in [(xp, cond), (x, cp)] {
                let (o2, s2, _) = block.forward(xi, condition: ci)
                for t in 0..<t0 {
                    #expect((0..<c.residualChannels).allSatisfy { o2[0, t, $0] == out[0, t, $0] }, "out[\(t)] changed")
                    #expect((0..<5).allSatisfy { s2?[0, t, $0] == skip?[0, t, $0] }, "skip[\(t)] changed")
                }
            }
        }
    }

    /// One-step sampling through the conv queue reproduces the full forward (1e-5).
    @Test(arguments: configurations)
    func stepsReproduceTheFullForward(c: ResidualBlock.Configuration) {
        let block = makeBlock(c)
        var rng = Philox(seed: 44)
        let (batch, length) = (2, 25)
        let x = Support.random([batch, length, c.residualChannels], &rng)
        let cond = c.conditionChannels.map { Support.random([batch, length, $0], &rng) }
        let (out, skip, _) = block.forward(x, condition: cond)
        var queue = block.makeQueue(batch: batch)
        var worst: Float = 0
        func row(_ t: Tensor, _ time: Int) -> Tensor {
            let ch = t.shape[2]
            var r = Tensor(shape: [batch, ch])
            for b in 0..<batch { for i in 0..<ch { r[b, i] = t[b, time, i] } }
            return r
        }
        for t in 0..<length {
            let (o, s) = block.step(row(x, t), condition: cond.map { row($0, t) }, queue: &queue)
            worst = max(worst, Support.maxAbsDifference(o, row(out, t)))
            if let s, let skip { worst = max(worst, Support.maxAbsDifference(s, row(skip, t))) }
        }
        #expect(worst < 1e-5, "max |step - full| \(worst)")
    }

    /// The allocation-free `Stepper` reproduces the full forward (1e-5): from the conditioning
    /// row by row, and from preactivations precomputed for all steps at once (as the teacher's
    /// cached sampler does), at batch 2 (GEMV per item) and 6 (GEMM).
    @Test(arguments: configurations, [2, 6])
    func stepperReproducesTheFullForward(c: ResidualBlock.Configuration, batch: Int) {
        let block = makeBlock(c)
        var rng = Philox(seed: 46)
        let length = 40
        let x = Support.random([batch, length, c.residualChannels], &rng)
        let cond = c.conditionChannels.map { Support.random([batch, length, $0], &rng) }
        let (out, skip, _) = block.forward(x, condition: cond)
        let (cres, g, cskip) = (c.residualChannels, c.gateChannels, c.skipChannels ?? 0)
        for precomputed in [false, true] {
            var stepper = ResidualBlock.Stepper(block, batch: batch)
            // Preactivations of every step, [T, B, G].
            var pre = [Float](repeating: 0, count: length * batch * g)
            if precomputed {
                pre.withUnsafeMutableBufferPointer { ph in
                    for b in 0..<batch {
                        if let cond, let cc = c.conditionChannels {
                            cond.withPointer { pc in
                                stepper.projectCondition(pc + b * length * cc, cStride: cc, rows: length,
                                                         into: ph.baseAddress! + b * g, hStride: batch * g)
                            }
                        } else {
                            stepper.projectCondition(nil, cStride: 0, rows: length, into: ph.baseAddress! + b * g, hStride: batch * g)
                        }
                    }
                }
            }
            var worst: Float = 0
            for t in 0..<length {
                var xt = [Float](repeating: 0, count: batch * cres), st = [Float](repeating: 0, count: batch * cskip)
                var ct = [Float](repeating: 0, count: batch * (c.conditionChannels ?? 0))
                for b in 0..<batch {
                    for i in 0..<cres { xt[b * cres + i] = x[b, t, i] }
                    if let cond, let cc = c.conditionChannels { for i in 0..<cc { ct[b * cc + i] = cond[b, t, i] } }
                }
                xt.withUnsafeMutableBufferPointer { px in
                    st.withUnsafeMutableBufferPointer { ps in
                        let skipPointer = c.skipChannels == nil ? nil : ps.baseAddress
                        if precomputed {
                            pre.withUnsafeMutableBufferPointer { ph in
                                stepper.step(residual: px.baseAddress!, preactivation: ph.baseAddress! + t * batch * g,
                                             skip: skipPointer)
                            }
                        } else {
                            ct.withUnsafeBufferPointer { pc in
                                stepper.step(residual: px.baseAddress!, condition: c.conditionChannels == nil ? nil : pc.baseAddress,
                                             skip: skipPointer)
                            }
                        }
                    }
                }
                for b in 0..<batch {
                    for i in 0..<cres { worst = max(worst, abs(xt[b * cres + i] - out[b, t, i])) }
                    if let skip { for i in 0..<cskip { worst = max(worst, abs(st[b * cskip + i] - skip[b, t, i])) } }
                }
            }
            #expect(worst < 1e-5, "max |stepper - full| \(worst) (precomputed \(precomputed))")
        }
    }

    /// Two forwards (e.g. two conditionings) then two backwards in reverse order: caches are
    /// independent values and the gradients add up.
    @Test func twoForwardsThenTwoBackwards() {
        let c = Self.configurations[0]
        let block = makeBlock(c)
        var rng = Philox(seed: 45)
        let x = Support.random([1, 10, 4], &rng)
        let c1 = Support.random([1, 10, 3], &rng), c2 = Support.random([1, 10, 3], &rng)
        let g = Support.random([1, 10, 4], &rng)
        let (_, _, cache1) = block.forward(x, condition: c1)
        let (_, _, cache2) = block.forward(x, condition: c2)
        _ = block.backward(output: g, skip: nil, cache: cache2)
        _ = block.backward(output: g, skip: nil, cache: cache1)
        let both = block.dilated.weight.gradient
        block.parameterSet.zeroGradients()
        _ = block.backward(output: g, skip: nil, cache: cache1)
        let first = block.dilated.weight.gradient
        block.parameterSet.zeroGradients()
        _ = block.backward(output: g, skip: nil, cache: cache2)
        let second = block.dilated.weight.gradient
        #expect(Support.maxAbsDifference(both, Ops.add(first, second)) < 1e-5)
    }
}

extension ResidualBlock.Configuration: CustomTestStringConvertible {
    public var testDescription: String {
        "res \(residualChannels) gate \(gateChannels) skip \(skipChannels.map(String.init) ?? "-") cond \(conditionChannels.map(String.init) ?? "-") k\(kernelSize) d\(dilation)"
    }
}
