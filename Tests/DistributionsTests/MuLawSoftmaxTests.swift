import Foundation
import GradientCheck
import Randomness
import Tensors
import Testing
@testable import Distributions

@Suite struct MuLawSoftmaxTests {
    let head = MuLawSoftmax()

    @Test func classesRoundTripAndAreMonotone() {
        for c in 0..<256 { #expect(head.classIndex(of: head.value(ofClass: c)) == c, "class \(c)") }
        #expect(head.value(ofClass: 0) == -1 && head.value(ofClass: 255) == 1)
        #expect((1..<256).allSatisfy { head.value(ofClass: $0) > head.value(ofClass: $0 - 1) })
        #expect(head.classIndex(of: -3) == 0 && head.classIndex(of: 2) == 255)
        // Mu-law resolution is finest near 0: neighbouring small values can differ in class.
        #expect(head.classIndex(of: 0.001) != head.classIndex(of: 0.004))
    }

    @Test func probabilitiesOverTheClassesSumToOne() {
        var rng = Philox(seed: 51)
        let logits = rng.normals(256, scale: 3)
        let x = (0..<256).map { head.value(ofClass: $0) }
        let total = head.logLikelihood(x: x, params: repeatedRows(logits, 256)).reduce(0.0) { $0 + exp(Double($1)) }
        #expect(abs(total - 1) < 1e-5, "sum \(total)")
    }

    @Test func logitGradientsPassAndInputGradientIsZero() {
        var rng = Philox(seed: 52)
        let rows = 4
        let params = rng.normals(rows * 256, scale: 2)
        let x = rng.uniforms(rows, low: -1, high: 1)
        let g = rng.normals(rows)
        var gx = [Float](repeating: 0, count: rows)
        var gp = [Float](repeating: 0, count: params.count)
        x.withUnsafeBufferPointer { xs in params.withUnsafeBufferPointer { ps in g.withUnsafeBufferPointer { us in
            gp.withUnsafeMutableBufferPointer { gpb in gx.withUnsafeMutableBufferPointer { gxb in
                head.backward(x: xs, params: ps, rows: rows, upstream: us, paramsGradient: gpb, xGradient: gxb)
            } }
        } } }
        #expect(gx == [0, 0, 0, 0] && !head.providesInputGradient)
        // Logits are smooth on the scale of 1e-2; |log p| <= ~10 keeps Float rounding of the
        // loss below ~2e-4 in the difference quotient. Probe the target classes too.
        let targets = Set((0..<rows).map { $0 * 256 + head.classIndex(of: x[$0]) })
        let checker = GradientChecker(options: .init(epsilon: 1e-2, relativeTolerance: 1e-2,
                                                     absoluteTolerance: 5e-4, maxProbes: 1024))
        let result = checker.check(name: "mu-law logits", at: Tensor(shape: [rows, 256], scalars: params),
                                   analytic: Tensor(shape: [rows, 256], scalars: gp),
                                   skip: { $0 % 7 != 0 && !targets.contains($0) }) { t in
            probeLoss(head, x: x, params: t.scalars, upstream: g)
        }
        #expect(result.passed, "\(result)")
    }

    @Test func samplingFollowsTheTemperedSoftmax() {
        // Mass on four classes; temperature 0.5 squares and renormalises the probabilities.
        var logits = [Float](repeating: -30, count: 256)
        let classes = [10, 100, 128, 250]
        let chosenLogits: [Float] = [0, 0.5, 1, -0.5]
        for (c, l) in zip(classes, chosenLogits) { logits[c] = l }
        for temperature: Float in [1, 0.5] {
            var rng = Philox(seed: 53)
            let n = 100_000
            var counts = [Int: Int]()
            for _ in 0..<n { counts[head.classIndex(of: head.sample(params: logits, rng: &rng, temperature: temperature)), default: 0] += 1 }
            let w = chosenLogits.map { exp(Double($0 / temperature)) }
            for (c, weight) in zip(classes, w) {
                let p = weight / w.reduce(0, +)
                let f = Double(counts[c, default: 0]) / Double(n)
                #expect(abs(f - p) < 5 * (p * (1 - p) / Double(n)).squareRoot(),
                        "temperature \(temperature) class \(c): \(f) vs \(p)")
            }
        }
        var rng = Philox(seed: 54)
        #expect(head.sample(params: logits, rng: &rng, temperature: 0) == head.value(ofClass: 128))
    }
}
