import Foundation
import GradientCheck
import NeuralLayers
import Randomness
import Tensors
import Testing
@testable import Student

@Suite struct IAFStudentTests {
    // MARK: Causality and receptive field

    @Test func eachFlowIsCausalWithItsReceptiveField() throws {
        let student = try tinyStudent()
        let (z, mel) = randomCase(batch: 1, length: 40)
        let c = student.condition(mel: mel, length: 40).condition
        let t0 = 12
        for flow in student.flows {
            // tiny: 2 layers, k 2, dilations 1, 2 -> R_i = 1 * 3 + 2 = 5.
            #expect(flow.receptiveField == 5)
            var y = z
            y.scalars[t0] += 0.5
            let a = flow.forward(z, condition: c), b = flow.forward(y, condition: c)
            // mu_i[t], log s_i[t] see x_{i-1}[t - R_i + 1 ..< t]: x[t0] reaches t0 + 1 ... t0 + R_i - 1.
            for t in 0..<40 {
                let expected = t > t0 && t <= t0 + flow.receptiveField - 1
                #expect((a.mean.scalars[t] != b.mean.scalars[t]) == expected, "flow \(flow.index) mean, t = \(t)")
                #expect((a.logScale.scalars[t] != b.logScale.scalars[t]) == expected, "flow \(flow.index) log s, t = \(t)")
            }
        }
    }

    @Test(arguments: [UpsamplerConfig.Kind.transposed, .repeat])
    func stackIsCausalWithTheFormulasReceptiveField(kind: UpsamplerConfig.Kind) throws {
        let student = try tinyStudent(upsampler: kind)
        let r = student.receptiveField
        #expect(r == 9)  // (5 - 1) + (5 - 1) + 1
        let (z, mel) = randomCase(batch: 2, length: 48)
        for t0 in [0, 17, 40] {
            var y = z
            // Batch item 1. A large step: the influence of z[t0] on x[t0 + R - 1] is a product of
            // many small derivatives, and a small step could vanish below one ulp of x.
            y.scalars[48 + t0] += 5
            let a = student.forward(noise: z, mel: mel).output, b = student.forward(noise: y, mel: mel).output
            for t in 0..<48 {
                let i = 48 + t
                // x[t] depends on z[t - R + 1 ... t]; mu_tot[t], log s_tot[t] on z[t - R + 1 ..< t].
                #expect((a.x.scalars[i] != b.x.scalars[i]) == (t >= t0 && t <= t0 + r - 1), "x, t0 \(t0), t \(t)")
                #expect((a.mean.scalars[i] != b.mean.scalars[i]) == (t > t0 && t <= t0 + r - 1), "mean, t0 \(t0), t \(t)")
                #expect((a.logScale.scalars[i] != b.logScale.scalars[i]) == (t > t0 && t <= t0 + r - 1),
                        "log s, t0 \(t0), t \(t)")
            }
            // Batch item 0 is untouched.
            #expect(Array(a.x.scalars[0..<48]) == Array(b.x.scalars[0..<48]))
        }
    }

    // MARK: Composition

    @Test func composedMeanAndScaleEqualRunningTheFlowsOneByOne() throws {
        let student = try tinyStudent()
        let (z, mel) = randomCase(batch: 2, length: 30)
        let c = student.condition(mel: mel, length: 30).condition
        let out = student.forward(noise: z, condition: c).output
        // Flows one by one, composition in Double.
        var x = z
        var mean = [Double](repeating: 0, count: z.count), logScale = mean
        for flow in student.flows {
            let (mu, l, _) = flow.forward(x, condition: c)
            for t in 0..<z.count {
                let s = exp(Double(l.scalars[t]))
                x.scalars[t] = Float(Double(x.scalars[t]) * s + Double(mu.scalars[t]))
                mean[t] = mean[t] * s + Double(mu.scalars[t])
                logScale[t] += Double(l.scalars[t])
            }
        }
        var worst = (x: Float(0), mean: 0.0, logScale: 0.0, affine: 0.0)
        for t in 0..<z.count {
            worst.x = max(worst.x, abs(x.scalars[t] - out.x.scalars[t]))
            worst.mean = max(worst.mean, abs(mean[t] - Double(out.mean.scalars[t])))
            worst.logScale = max(worst.logScale, abs(logScale[t] - Double(out.logScale.scalars[t])))
            // x_N = mu_tot + s_tot * z.
            let affine = Double(out.mean.scalars[t]) + exp(Double(out.logScale.scalars[t])) * Double(z.scalars[t])
            worst.affine = max(worst.affine, abs(affine - Double(out.x.scalars[t])))
        }
        #expect(worst.x <= 1e-5 && worst.mean <= 1e-5 && worst.logScale <= 1e-5 && worst.affine <= 1e-5, "\(worst)")
        // Not trivial: the flows do shift and scale differently at different times.
        #expect(Set(out.logScale.scalars).count > 20)
    }

    @Test func initialScaleIsTheConfiguredOne() throws {
        let student = try tinyStudent(randomHeads: false) { $0.initialScale = 0.05 }
        let (z, mel) = randomCase(batch: 2, length: 20)
        let out = student.forward(noise: z, mel: mel).output
        let target = Float(log(0.05))
        #expect(out.logScale.scalars.allSatisfy { abs($0 - target) <= 1e-6 }, "log s_tot \(out.logScale.scalars.prefix(4))")
        #expect(out.mean.scalars.allSatisfy { $0 == 0 })
        let worst = zip(out.x.scalars, z.scalars).map { abs($0 - 0.05 * $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "max |x - 0.05 z| = \(worst)")
    }

    @Test func logScaleIsClampedPerFlowWithZeroGradientThere() throws {
        let student = try tinyStudent(randomHeads: false) { $0.logScaleMax = 0.5 }
        // Push flow 0's raw log-scale far above the ceiling.
        student.flows[0].head.bias?.value.scalars[1] = 4
        let (z, mel) = randomCase(batch: 1, length: 10)
        let (out, cache) = student.forward(noise: z, mel: mel)
        let expected = Float(0.5) + student.config.initialLogScalePerFlow
        #expect(out.logScale.scalars.allSatisfy { abs($0 - expected) <= 1e-6 })
        student.parameters.zeroGradients()
        student.backward(x: nil, mean: nil, logScale: Tensor(shape: z.shape, repeating: 1), cache: cache)
        #expect(student.flows[0].head.bias?.gradient.scalars[1] == 0)
        #expect(student.flows[1].head.bias?.gradient.scalars[1] == 10)  // unclamped flow: sum over 10 steps
    }

    // MARK: Log-determinant

    @Test(arguments: StudentBase.allCases)
    func jacobianIsLowerTriangularWithDiagonalScaleAndLogDetSumOfLogScales(base: StudentBase) throws {
        let student = try tinyStudent { $0.base = base }
        let length = 24
        let (z, mel) = randomCase(batch: 1, length: length, seed: 5, base: base)
        let out = student.forward(noise: z, mel: mel).output
        // Central differences, column j = dx / dz[j]. x[t] is affine in z[t], so the diagonal is
        // exact up to rounding; eps 2e-2 keeps that rounding ~1e-6 relative.
        let eps: Float = 2e-2
        var jacobian = [[Double]](repeating: [Double](repeating: 0, count: length), count: length)
        var strictlyUpperZero = true
        for j in 0..<length {
            var plus = z, minus = z
            plus.scalars[j] += eps
            minus.scalars[j] -= eps
            let xp = student.forward(noise: plus, mel: mel).output.x, xm = student.forward(noise: minus, mel: mel).output.x
            let step = Double(plus.scalars[j]) - Double(minus.scalars[j])
            for t in 0..<length {
                jacobian[t][j] = (Double(xp.scalars[t]) - Double(xm.scalars[t])) / step
                if t < j && xp.scalars[t] != xm.scalars[t] { strictlyUpperZero = false }
            }
        }
        #expect(strictlyUpperZero, "x[t] must not depend on z[t'] for t' > t")
        var worstDiagonal = 0.0
        for t in 0..<length {
            let s = exp(Double(out.logScale.scalars[t]))
            worstDiagonal = max(worstDiagonal, abs(jacobian[t][t] - s) / s)
        }
        #expect(worstDiagonal <= 1e-3, "worst relative error of J[t][t] vs s_tot[t]: \(worstDiagonal)")
        let logDet = logAbsDeterminant(jacobian)
        let sumLogScale = out.logScale.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(abs(logDet - sumLogScale) <= 1e-3, "log|det J| \(logDet) vs sum log s_tot \(sumLogScale)")
        // And the likelihood is the change of variables: log p_S(x) = log p(z) - log|det J|.
        let logp = student.logLikelihood(noise: z, output: out).reduce(0.0) { $0 + Double($1) }
        let logBase = z.scalars.reduce(0.0) { acc, v in
            let u = Double(v)
            switch base {
            case .logistic: return acc - u - 2 * (max(-u, 0) + log1p(exp(-abs(u))))
            case .gaussian: return acc - 0.5 * u * u - 0.5 * log(2 * Double.pi)
            }
        }
        #expect(abs(logp - (logBase - logDet)) <= 1e-3, "log p_S \(logp) vs log p(z) - log|det J| \(logBase - logDet)")
    }

    /// log|det A| by LU with partial pivoting (does not assume A triangular).
    private func logAbsDeterminant(_ matrix: [[Double]]) -> Double {
        var a = matrix
        let n = a.count
        var logDet = 0.0
        for k in 0..<n {
            let p = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) } ?? k
            a.swapAt(k, p)
            let pivot = a[k][k]
            if pivot == 0 { return -.infinity }
            logDet += log(abs(pivot))
            for i in (k + 1)..<n {
                let f = a[i][k] / pivot
                if f != 0 { for j in k..<n { a[i][j] -= f * a[k][j] } }
            }
        }
        return logDet
    }

    // MARK: Entropy

    @Test(arguments: StudentBase.allCases)
    func analyticEntropyMatchesMonteCarloNegativeLogLikelihood(base: StudentBase) throws {
        let student = try tinyStudent { $0.base = base }
        // Entropy of the standard base, written out: 2 (logistic), log(2 pi e)/2 (gaussian).
        let baseEntropy = base == .logistic ? 2 : 0.5 * log(2 * Double.pi * exp(1))
        let (batch, length, draws) = (8, 64, 40)
        let (_, mel) = randomCase(batch: batch, length: length, seed: 11)
        let c = student.condition(mel: mel, length: length).condition
        // Two independent sets of draws: one for E[sum log s_tot] + H(base) T, one for -E[log p_S(x)].
        var analytic: [Double] = [], monteCarlo: [Double] = []
        var rng = Philox(seed: 12)
        for d in 0..<(2 * draws) {
            var z = Tensor(shape: [batch, length, 1])
            z.withUnsafeMutableBufferPointer { base.fill($0, rng: &rng) }
            let out = student.forward(noise: z, condition: c).output
            for b in 0..<batch {
                let rows = (b * length)..<((b + 1) * length)
                if d % 2 == 0 {
                    analytic.append(out.logScale.scalars[rows].reduce(0.0) { $0 + Double($1) } + baseEntropy * Double(length))
                } else {
                    let logp = student.logLikelihood(noise: z, output: out)[rows]
                    monteCarlo.append(-logp.reduce(0.0) { $0 + Double($1) })
                }
            }
        }
        func meanAndStandardError(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
            return (m, (variance / Double(v.count)).squareRoot())
        }
        let (ma, sa) = meanAndStandardError(analytic), (mm, sm) = meanAndStandardError(monteCarlo)
        let se = (sa * sa + sm * sm).squareRoot()
        #expect(abs(ma - mm) <= 4 * se, "analytic \(ma) ± \(sa), Monte Carlo \(mm) ± \(sm)")
        // The check has teeth: the entropy is far from the H(base) T of the base noise, and the
        // other base's constant (0.58 nats per step away) would fail it.
        #expect(abs(ma - baseEntropy * Double(length)) > 20 * se)
        let otherEntropy = base == .logistic ? 0.5 * log(2 * Double.pi * exp(1)) : 2
        #expect(abs(ma + (otherEntropy - baseEntropy) * Double(length) - mm) > 4 * se)
    }

    // MARK: Gradients

    @Test(arguments: [UpsamplerConfig.Kind.transposed, .sharedTransposed, .repeat])
    func parameterAndNoiseGradientsPassFiniteDifferences(kind: UpsamplerConfig.Kind) throws {
        let student = try tinyStudent(upsampler: kind)
        let (z, mel) = randomCase(batch: 2, length: 12, seed: 21)
        var rng = Philox(seed: 22)
        let g1 = Tensor.normal(shape: z.shape, rng: &rng)
        let g2 = Tensor.normal(shape: z.shape, rng: &rng)
        let g3 = Tensor.normal(shape: z.shape, rng: &rng)
        func loss(_ out: StudentOutput) -> Double {
            GradientCheck.dot(out.x, g1) + GradientCheck.dot(out.mean, g2) + GradientCheck.dot(out.logScale, g3)
        }
        let (out, cache) = student.forward(noise: z, mel: mel)
        student.parameters.zeroGradients()
        let dz = student.backward(x: g1, mean: g2, logScale: g3, cache: cache)
        // Tolerance: the forward is float32, and its outputs (log s_tot ~ -3, 24 of them per
        // output) jitter by ~1 ulp (~2.4e-7) when a weight moves, so the loss carries ~1.5e-6 of
        // rounding noise; divided by 2 eps that is ~7e-4 at eps 1e-3 -- as large as the gradients
        // of the first flow's weights (1e-3 ... 1e-2), which the later flows' scales shrink.
        // eps 1e-2 (DESIGN §7 allows 1e-2 ... 1e-3) brings the noise to ~7e-5: atol 2e-4, rtol 1e-2.
        // That is safe because the student has no kink near the probes: its head is linear (no
        // relu), and the raw log-scales stay > 1 away from the clamp. The truncation error of
        // central differences is O(eps^2) ~ 1e-4 relative.
        let checker = GradientChecker(options: .init(epsilon: 1e-2, relativeTolerance: 1e-2, absoluteTolerance: 2e-4))
        let rz = checker.check(name: "student.dz", at: z, analytic: dz) { loss(student.forward(noise: $0, mel: mel).output) }
        #expect(rz.passed, "\(rz)")
        var checked = 0
        for p in student.parameters.parameters {
            let saved = p.value
            let r = checker.check(name: p.name, at: p.value, analytic: p.gradient) { probe in
                p.value = probe
                defer { p.value = saved }
                return loss(student.forward(noise: z, mel: mel).output)
            }
            #expect(r.passed, "\(r)")
            checked += 1
        }
        #expect(checked == student.parameters.parameters.count)
        // The check has teeth: every tensor of the model gets a nonzero gradient.
        for p in student.parameters.parameters {
            #expect(p.gradient.scalars.contains { $0 != 0 }, "\(p.name) has an all-zero gradient")
        }
        _ = out
    }

    @Test func conditionInputLeavesUpsamplerGradientsAlone() throws {
        let student = try tinyStudent()
        let (z, mel) = randomCase(batch: 1, length: 16)
        let c = student.condition(mel: mel, length: 16).condition
        let (out, cache) = student.forward(noise: z, condition: c)
        student.parameters.zeroGradients()
        student.backward(x: out.x, mean: nil, logScale: nil, cache: cache)
        for p in student.upsampler.parameters { #expect(p.gradient.scalars.allSatisfy { $0 == 0 }, "\(p.name)") }
        #expect(student.flows[0].head.weight.gradient.scalars.contains { $0 != 0 })
    }
}
