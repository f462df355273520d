import Foundation
import NeuralLayers
import Randomness
import Tensors
import Testing
@testable import Student

/// The register-blocked kernel's gate epilogue (tanh(a) * sigmoid(b) from exps, no tanh
/// polynomial) against the exact product in Double, pair by pair. A layer with kernel size 1
/// whose conditioning projection is the identity, zero taps and biases and an identity residual
/// projection outputs exactly the gate of its conditioning row: h = c, y = g. The layer tests
/// compare whole layers to 1e-5 absolute; this one bounds the relative error of every gate
/// output, including tiny ones (|a| down to 1e-9, where tanh a ~ a needs full relative accuracy).
@Suite struct GateEpilogueTests {
    @Test func gateOutputsAreWithinFourTenthsOfAMillionthRelative() throws {
        let (cc, g) = (64, 128)
        var rng = Philox(seed: 77)
        let block = ResidualBlock(prefix: "gate", configuration: .init(
            residualChannels: cc, gateChannels: g, skipChannels: nil, conditionChannels: g, kernelSize: 1,
            dilation: 1, scaleResidual: false), rng: &rng)
        func identity(_ n: Int, columns: Int) -> Tensor {
            var m = [Float](repeating: 0, count: n * columns)
            for i in 0..<min(n, columns) { m[i * columns + i] = 1 }
            return Tensor(shape: [n, columns], scalars: m)
        }
        block.dilated.weight.value = Tensor(shape: block.dilated.weight.shape)
        block.dilated.bias?.value = Tensor(shape: [g])
        guard let projection = block.condition else { Issue.record("the block should be conditioned"); return }
        projection.weight.value = identity(g, columns: g)
        block.residual.weight.value = identity(g / 2, columns: cc)
        block.residual.bias?.value = Tensor(shape: [cc])
        let layer = FusedResidualBlock(block)
        #expect(layer.kernel != nil, "C 64, G 128 should take the register-blocked kernel path")

        // a and b log-uniform in magnitude over 1e-9 ... 180, both signs; a few exact zeros.
        let length = 8192
        var worst = 0.0, worstPair: (Float, Float) = (0, 0)
        for _ in 0..<4 {
            let u = rng.uniforms(length * g * 2)
            var c = [Float](repeating: 0, count: length * g)
            for i in c.indices {
                let magnitude = Float(pow(10, Double(u[2 * i]) * 11.26 - 9))
                c[i] = u[2 * i + 1] < 0.5 ? -magnitude : magnitude
                if i % 997 == 0 { c[i] = 0 }
            }
            let condition = Tensor(shape: [1, length, g], scalars: c)
            var y = Tensor(shape: [1, length, cc])
            layer.apply(Tensor(shape: [1, length, cc]), condition: condition, into: &y)
            let out = y.scalars
            for t in 0..<length {
                for j in 0..<(g / 2) {
                    let a = c[t * g + j], b = c[t * g + g / 2 + j]
                    let exact = tanh(Double(a)) / (1 + exp(-Double(b)))
                    let got = Double(out[t * cc + j])
                    // Below ~1e-30 the kernel's exp stops at ~1e-38 where float would give a
                    // denormal or 0 (documented in flow_layer.c): compare absolutely there.
                    let error = abs(exact) < 1e-30 ? abs(got - exact) / 1e-30 * 4e-7 : abs(got - exact) / abs(exact)
                    if !(error <= worst) { worst = error; worstPair = (a, b) }
                }
            }
        }
        #expect(worst <= 4e-7, "worst relative error \(worst) at (a, b) = \(worstPair)")
    }
}
