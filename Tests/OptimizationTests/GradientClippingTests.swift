import Testing
import Tensors
@testable import Optimization

@Suite struct GradientClippingTests {
    private func gradientBits(_ parameters: ParameterSet) -> [UInt32] {
        parameters.parameters.flatMap { $0.gradient.scalars.map(\.bitPattern) }
    }

    private func handNorm(_ parameters: ParameterSet) -> Double {
        parameters.parameters.flatMap(\.gradient.scalars).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    @Test func globalNormIsTheNormOfAllGradientsTogether() {
        let parameters = Fixture.parameters()
        #expect(close(parameters.gradientGlobalNorm(), handNorm(parameters), 1e-12))
    }

    @Test func clippingBoundsTheGlobalNormAndKeepsDirection() {
        let parameters = Fixture.parameters()
        let before = parameters.parameters.flatMap(\.gradient.scalars)
        let norm = handNorm(parameters)  // about 6.9
        let report = parameters.clipGradients(maxGlobalNorm: 1.5)
        #expect(report.wasClipped)
        #expect(close(report.norm, norm, 1e-12), "the reported norm is the norm before clipping")
        #expect(close(report.scale, 1.5 / norm, 1e-12))
        let after = handNorm(parameters)
        #expect(after <= 1.5 * (1 + 1e-6), "clipped norm \(after)")
        #expect(after >= 1.5 * (1 - 1e-6), "clipped norm \(after) should reach the bound")
        for (a, b) in zip(parameters.parameters.flatMap(\.gradient.scalars), before) {
            #expect(close(Double(a), Double(b) * 1.5 / norm, 1e-6), "direction changed")
        }
    }

    @Test func smallGradientsAreLeftUntouched() {
        let parameters = Fixture.parameters()
        let bits = gradientBits(parameters)
        let report = parameters.clipGradients(maxGlobalNorm: 100)
        #expect(!report.wasClipped && report.scale == 1)
        #expect(gradientBits(parameters) == bits)
    }

    @Test func nonFiniteGradientsAreDetectedAndNamed() {
        let parameters = Fixture.parameters()
        #expect(throws: Never.self) { try parameters.checkGradientsAreFinite() }

        parameters.parameters[1].gradient.scalars[2] = .nan
        parameters.parameters[1].gradient.scalars[0] = -.infinity
        do {
            try parameters.checkGradientsAreFinite()
            Issue.record("NaN gradient not detected")
        } catch {
            #expect(error.occurrences.map(\.parameter) == ["net.bias"])
            #expect(error.occurrences.first?.nanCount == 1 && error.occurrences.first?.infinityCount == 1)
            #expect(error.occurrences.first?.firstIndex == 0)
            #expect(error.description.contains("'net.bias' (1 NaN, 1 Inf; first at index 0: -inf)"), "\(error)")
        }
        // Clipping leaves a non-finite gradient alone and reports the non-finite norm.
        let report = parameters.clipGradients(maxGlobalNorm: 1)
        #expect(!report.norm.isFinite && report.scale == 1)
    }
}
