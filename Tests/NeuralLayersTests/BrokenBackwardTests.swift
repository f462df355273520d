import GradientCheck
import Randomness
import Testing
import Tensors
@testable import NeuralLayers

/// The gradient check must catch real mistakes in a layer's backward, not only in toy
/// functions: here the conv's backward is broken in the two ways such code usually breaks.
@Suite struct BrokenBackwardTests {
    private func setup() -> (CausalConv1D, Tensor, Tensor) {
        var rng = Philox(seed: 21)
        let conv = CausalConv1D(prefix: "broken", inputChannels: 3, outputChannels: 4, kernelSize: 3, dilation: 2, rng: &rng)
        Support.randomize(conv.parameters, &rng)
        return (conv, Support.random([2, 12, 3], &rng), Support.random([2, 12, 4], &rng))
    }

    /// A backward that forgets tap 0 (the oldest sample) in both dW and dx.
    @Test func droppedTapIsCaught() {
        let (conv, x, g) = setup()
        // The broken backward: the real one, run on a copy of the weights with tap 0 zeroed
        // (so dx misses tap 0), and with tap 0's weight gradient dropped.
        var rng = Philox(seed: 22)
        let broken = CausalConv1D(prefix: "broken", inputChannels: 3, outputChannels: 4, kernelSize: 3, dilation: 2, rng: &rng)
        broken.weight.value = conv.weight.value
        for c in 0..<3 { for o in 0..<4 { broken.weight.value[0, c, o] = 0 } }
        let (_, cache) = broken.forward(x)
        let dx = broken.backward(g, cache: cache)
        for c in 0..<3 { for o in 0..<4 { broken.weight.gradient[0, c, o] = 0 } }
        let rx = GradientChecker().check(name: "x", at: x, analytic: dx) { dot(conv($0), g) }
        conv.weight.gradient = broken.weight.gradient
        let rw = Support.check(conv.weight) { dot(conv(x), g) }
        #expect(!rx.passed, "dropped tap not caught in dx: \(rx)")
        #expect(!rw.passed, "dropped tap not caught in dW: \(rw)")
    }

    /// A backward that never accumulates the bias gradient.
    @Test func droppedBiasGradientIsCaught() {
        let (conv, x, g) = setup()
        let (_, cache) = conv.forward(x)
        _ = conv.backward(g, cache: cache)
        guard let bias = conv.bias else { Issue.record("conv has no bias"); return }
        let correct = Support.check(bias) { dot(conv(x), g) }
        #expect(correct.passed, "\(correct)")
        bias.zeroGradient()  // what a backward without the `db = sum dy` line leaves behind
        let r = Support.check(bias) { dot(conv(x), g) }
        #expect(!r.passed, "dropped bias gradient not caught: \(r)")
    }
}
