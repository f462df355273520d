import Testing
import Tensors
@testable import Optimization

@Suite struct ExponentialMovingAverageTests {
    /// A few updates against shadow_n = d_n * shadow + (1 - d_n) * w, computed in double.
    @Test(arguments: [true, false])
    func matchesTheFormula(warmsUp: Bool) throws {
        let parameter = Parameter(name: "w", value: Tensor(shape: [2], scalars: [1, -2]))
        let parameters = ParameterSet([parameter])
        let decay = 0.9
        var ema = ExponentialMovingAverage(tracking: parameters, decay: decay, warmsUp: warmsUp)
        var shadow: [Double] = [1, -2]
        let trajectory: [[Float]] = [[2, 0], [3, 1], [-1, 4], [0.5, 0.5]]
        for (n, weights) in trajectory.enumerated() {
            parameter.value = Tensor(shape: [2], scalars: weights)
            let d = warmsUp ? min(decay, Double(1 + n) / Double(10 + n)) : decay
            #expect(ema.nextDecay == d)
            try ema.update(from: parameters)
            shadow = zip(shadow, weights).map { d * $0 + (1 - d) * Double($1) }
            let average = try #require(ema.average(of: "w"))
            for i in 0..<2 {
                #expect(abs(Double(average.scalars[i]) - shadow[i]) < 1e-6, "update \(n), element \(i)")
            }
        }
        #expect(ema.updateCount == 4)
        // The warm-up decays are 0.1, 0.1818, 0.25, 0.3077 here: far from 0.9.
        if warmsUp { #expect(abs(ema.nextDecay - 5.0 / 14.0) < 1e-15) }
    }

    @Test func swapApplyAndScopedAveragedWeights() throws {
        let parameters = Fixture.parameters()
        var ema = ExponentialMovingAverage(tracking: parameters, decay: 0.5, warmsUp: false)
        let trained = parameters.parameters.map { Tensor(shape: $0.shape, scalars: $0.value.scalars.map { $0 + 1 }) }
        for (p, t) in zip(parameters.parameters, trained) { p.value = t }
        try ema.update(from: parameters)  // averages = original + 0.5
        let averaged = ema.averages.map(\.value)
        let trainedBits = Fixture.valueBits(parameters)

        let seen = try ema.withAveragedWeights(in: parameters) { parameters.parameters.map(\.value) }
        #expect(seen == averaged)
        #expect(Fixture.valueBits(parameters) == trainedBits, "trained weights restored")

        struct Boom: Error {}
        #expect(throws: Boom.self) { try ema.withAveragedWeights(in: parameters) { throw Boom() } }
        #expect(Fixture.valueBits(parameters) == trainedBits, "restored even when the body throws")

        try ema.swap(with: parameters)
        #expect(parameters.parameters.map(\.value) == averaged)
        #expect(ema.averages.map(\.value) == trained)
        try ema.swap(with: parameters)

        try ema.apply(to: parameters)
        #expect(parameters.parameters.map(\.value) == averaged)
        #expect(ema.averages.map(\.value) == averaged)
    }
}
