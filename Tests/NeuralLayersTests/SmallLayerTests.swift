import Foundation
import GradientCheck
import Randomness
import Testing
import Tensors
@testable import NeuralLayers

/// Linear, gated activation, ReLU and time shift.
@Suite struct SmallLayerTests {
    @Test(arguments: [[5, 3], [2, 7, 3], [1, 3]])
    func linearForwardAndGradients(shape: [Int]) {
        var rng = Philox(seed: 31)
        let layer = Linear(prefix: "proj", inputChannels: 3, outputChannels: 4, rng: &rng)
        Support.randomize(layer.parameters, &rng)
        let x = Support.random(shape, &rng)
        let g = Support.random(Array(shape.dropLast()) + [4], &rng)
        let (y, cache) = layer.forward(x)
        // Forward against loops.
        let rows = x.count / 3
        for r in 0..<rows {
            for o in 0..<4 {
                var s = Double(layer.bias?.value[o] ?? 0)
                for c in 0..<3 { s += Double(x.scalars[r * 3 + c]) * Double(layer.weight.value[c, o]) }
                #expect(abs(Double(y.scalars[r * 4 + o]) - s) < 1e-5)
            }
        }
        let dx = layer.backward(g, cache: cache)
        let rx = GradientChecker().check(name: "x", at: x, analytic: dx) { dot(layer($0), g) }
        #expect(rx.passed, "\(rx)")
        for p in layer.parameters {
            let r = Support.check(p) { dot(layer(x), g) }
            #expect(r.passed, "\(r)")
        }
    }

    @Test func gatedActivationGradient() {
        var rng = Philox(seed: 32)
        let h = Support.random([2, 5, 6], &rng, std: 1.5)
        let g = Support.random([2, 5, 3], &rng)
        let (y, cache) = GatedActivation.forward(h)
        #expect(y.shape == [2, 5, 3])
        #expect(abs(y[1, 2, 1] - Float(tanh(Double(h[1, 2, 1])) / (1 + exp(-Double(h[1, 2, 4]))))) < 1e-6)
        #expect(GatedActivation.apply(h) == y)
        let dh = GatedActivation.backward(g, cache: cache)
        let r = GradientChecker().check(name: "h", at: h, analytic: dh) {
            dot(GatedActivation.apply($0), g)
        }
        #expect(r.passed, "\(r)")
    }

    @Test func reluGradientAwayFromTheKink() {
        var rng = Philox(seed: 33)
        let x = Support.random([4, 6], &rng)
        let g = Support.random([4, 6], &rng)
        let (_, cache) = ReLU.forward(x)
        let dx = ReLU.backward(g, cache: cache)
        let r = GradientChecker().check(name: "x", at: x, analytic: dx, skip: { abs(x.scalars[$0]) < 0.02 }) {
            dot(ReLU.forward($0).output, g)
        }
        #expect(r.passed, "\(r)")
    }

    @Test func timeShiftAndItsGradient() {
        var rng = Philox(seed: 34)
        let x = Support.random([2, 6, 3], &rng)
        let g = Support.random([2, 6, 3], &rng)
        let y = TimeShift.forward(x, steps: 2)
        #expect(y[1, 0, 0] == 0 && y[1, 1, 2] == 0 && y[1, 2, 1] == x[1, 0, 1] && y[0, 5, 2] == x[0, 3, 2])
        let dx = TimeShift.backward(g, steps: 2)
        let r = GradientChecker().check(name: "x", at: x, analytic: dx) { dot(TimeShift.forward($0, steps: 2), g) }
        #expect(r.passed, "\(r)")
    }
}
