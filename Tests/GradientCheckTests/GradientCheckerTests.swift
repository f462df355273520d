import Testing
import Tensors
@testable import GradientCheck

@Suite struct GradientCheckerTests {
    // f(x) = sum(g * x^3): gradient 3 x^2 g.
    private func cubeCase() -> (x: Tensor, g: Tensor) {
        (Tensor(shape: [2, 3], scalars: [0.3, -0.7, 1.1, 0.5, -0.2, 0.9]),
         Tensor(shape: [2, 3], scalars: [1, -2, 0.5, 0.25, 3, -1]))
    }

    @Test func acceptsTheRightGradient() {
        let (x, g) = cubeCase()
        let analytic = Tensor(shape: x.shape, scalars: zip(x.scalars, g.scalars).map { 3 * $0 * $0 * $1 })
        let r = GradientChecker().check(name: "cube", at: x, analytic: analytic) { t in
            dot(Tensor(shape: t.shape, scalars: t.scalars.map { $0 * $0 * $0 }), g)
        }
        #expect(r.passed, "\(r)")
        #expect(r.probed == 6)
    }

    @Test func catchesABrokenGradient() {
        // The derivative with a dropped factor (2x^2 instead of 3x^2) must fail.
        let (x, g) = cubeCase()
        let broken = Tensor(shape: x.shape, scalars: zip(x.scalars, g.scalars).map { 2 * $0 * $0 * $1 })
        let r = GradientChecker().check(name: "cube-broken", at: x, analytic: broken) { t in
            dot(Tensor(shape: t.shape, scalars: t.scalars.map { $0 * $0 * $0 }), g)
        }
        #expect(!r.passed)
    }

    @Test func probesAtMostMaxProbes() {
        let x = Tensor(shape: [1000], repeating: 0.5)
        let g = Tensor(shape: [1000], repeating: 1)
        let checker = GradientChecker(options: .init(maxProbes: 10))
        let r = checker.check(name: "linear", at: x, analytic: g) { dot($0, g) }
        #expect(r.probed == 10 && r.passed)
    }

    /// A check that probed nothing checked nothing: it fails, and says why.
    @Test func failsWhenItProbedNothing() {
        let x = Tensor(shape: [4], repeating: 0.5), g = Tensor(shape: [4], repeating: 1)
        let skipped = GradientChecker().check(name: "all-skipped", at: x, analytic: g, skip: { _ in true }) {
            dot($0, g)
        }
        #expect(skipped.probed == 0 && !skipped.passed)
        #expect("\(skipped)".contains("probed nothing"))
        let empty = Tensor(shape: [0])
        let none = GradientChecker().check(name: "empty", at: empty, analytic: empty) { dot($0, empty) }
        #expect(none.probed == 0 && !none.passed)
    }
}
