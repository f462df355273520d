import Foundation
import Testing
import Tensors
@testable import Optimization

@Suite struct AdamTests {
    /// Three steps on f(p) = sum (p - c)^2 (gradient 2(p - c)), against the update written
    /// out in double in the test, with and without decoupled weight decay.
    @Test(arguments: [0.0, 0.1])
    func matchesHandComputedSteps(weightDecay: Double) throws {
        let c: [Double] = [0.3, -1, 2.5]
        let start: [Double] = [0.5, -1.5, 0]
        let lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8

        var p = start, m = [0.0, 0, 0], v = [0.0, 0, 0]
        var expected: [[Double]] = []
        for t in 1...3 {
            for i in 0..<3 {
                let g = 2 * (p[i] - c[i])
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                let mHat = m[i] / (1 - pow(beta1, Double(t)))
                let vHat = v[i] / (1 - pow(beta2, Double(t)))
                p[i] = p[i] - lr * weightDecay * p[i] - lr * mHat / (vHat.squareRoot() + eps)
            }
            expected.append(p)
        }

        let parameter = Parameter(name: "p", value: Tensor(shape: [3], scalars: start.map(Float.init)))
        let parameters = ParameterSet([parameter])
        var adam = Adam(for: parameters, hyperparameters: AdamHyperparameters(weightDecay: weightDecay))
        for t in 0..<3 {
            parameter.gradient = Tensor(shape: [3], scalars: zip(parameter.value.scalars, c).map { 2 * ($0 - Float($1)) })
            try adam.update(parameters, learningRate: lr)
            for i in 0..<3 {
                let got = Double(parameter.value.scalars[i])
                #expect(abs(got - expected[t][i]) < 1e-6, "step \(t + 1), element \(i): got \(got), expected \(expected[t][i])")
            }
        }
        #expect(adam.step == 3)
        #expect(adam.moments(of: "p")?.step == 3)
        let moments = try #require(adam.moments(of: "p"))
        for i in 0..<3 {
            #expect(close(Double(moments.firstMoment.scalars[i]), m[i], 1e-5))
            #expect(close(Double(moments.secondMoment.scalars[i]), v[i], 1e-5))
        }
    }

    /// With a constant gradient, m_hat = g and v_hat = g^2 at every step, so each update is
    /// lr * g / (|g| + eps) ~ lr. Without bias correction the first step would be
    /// lr * (1 - beta1) / sqrt(1 - beta2) ~ 3.16 lr.
    @Test(arguments: [Float(3.7), -0.002, 1e4])
    func biasCorrectionMakesConstantGradientStepsEqualLearningRate(gradient: Float) throws {
        let parameter = Parameter(name: "w", value: Tensor(shape: [1], scalars: [1]))
        let parameters = ParameterSet([parameter])
        var adam = Adam(for: parameters)
        let lr = 1e-3
        for step in 1...3 {
            let before = Double(parameter.value.scalars[0])
            parameter.gradient = Tensor(shape: [1], scalars: [gradient])
            try adam.update(parameters, learningRate: lr)
            let change = before - Double(parameter.value.scalars[0])
            let expected = lr * Double(gradient) / (abs(Double(gradient)) + 1e-8)
            #expect(abs(change - expected) < 1e-4 * lr, "step \(step): moved \(change), expected \(expected)")
        }
    }

    /// An ill-conditioned quadratic (curvatures 1e-2 to 1e2) is minimised.
    @Test func minimisesAQuadratic() throws {
        let curvature: [Float] = [100, 1, 0.01, 10]
        let target: [Float] = [1, -2, 0.5, 3]
        let parameter = Parameter(name: "x", value: Tensor(shape: [4], repeating: 0))
        let parameters = ParameterSet([parameter])
        func loss() -> Double {
            zip(zip(parameter.value.scalars, target), curvature).reduce(0.0) { sum, e in
                let d = Double(e.0.0 - e.0.1)
                return sum + Double(e.1) * d * d
            }
        }
        let initial = loss()
        var adam = Adam(for: parameters)
        let schedule = LearningRateSchedule.stepDecay(0.05, every: 1000, factor: 0.2)
        for step in 0..<4000 {
            parameter.gradient = Tensor(shape: [4], scalars: (0..<4).map { 2 * curvature[$0] * (parameter.value.scalars[$0] - target[$0]) })
            try adam.update(parameters, learningRate: schedule.learningRate(at: step))
        }
        #expect(loss() < 1e-6 * initial, "loss \(loss()) from \(initial)")
        for i in 0..<4 {
            #expect(abs(parameter.value.scalars[i] - target[i]) < 1e-2, "x[\(i)] = \(parameter.value.scalars[i])")
        }
    }

    @Test func refusesAnotherParameterList() {
        var adam = Adam(for: Fixture.parameters())
        let other = ParameterSet([Parameter(name: "net.weight", value: Tensor(shape: [3, 2]))])
        #expect(throws: ParameterListMismatch(owner: "Adam", reason: "expected 2 parameters, found 1")) {
            try adam.update(other, learningRate: 1e-3)
        }
        let reshaped = ParameterSet([Parameter(name: "net.weight", value: Tensor(shape: [3, 2])),
                                     Parameter(name: "net.bias", value: Tensor(shape: [3]))])
        do {
            try adam.update(reshaped, learningRate: 1e-3)
            Issue.record("a reshaped parameter was accepted")
        } catch {
            #expect(error.description.contains("'net.weight' has shape [3, 2], expected [2, 3]"), "\(error)")
        }
        #expect(adam.step == 0)
    }
}
