import Configuration
import Foundation
import Testing
@testable import Optimization

@Suite struct LearningRateScheduleTests {
    @Test func constantIsConstant() {
        let s = LearningRateSchedule.constant(2e-3)
        #expect([0, 1, 999, 1_000_000].map(s.learningRate(at:)) == [2e-3, 2e-3, 2e-3, 2e-3])
    }

    @Test func stepDecayMultipliesEveryNSteps() {
        let s = LearningRateSchedule.stepDecay(1e-3, every: 100, factor: 0.5)
        let rates = [0, 99, 100, 199, 200, 350].map(s.learningRate(at:))
        let expected = [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 1.25e-4]
        for (r, e) in zip(rates, expected) { #expect(close(r, e, 1e-12), "\(rates)") }
    }

    @Test func warmupIsLinearThenHandsOverToDecay() {
        let s = LearningRateSchedule.stepDecay(1e-3, every: 10, factor: 0.1, warmupSteps: 4)
        let rates = (0..<12).map(s.learningRate(at:))
        let expected = [0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4]
        for (r, e) in zip(rates, expected) { #expect(close(r, e, 1e-12), "\(rates)") }
    }

    @Test func codableUsesSnakeCaseKeys() throws {
        let s = LearningRateSchedule.stepDecay(1e-3, every: 200_000, factor: 0.5, warmupSteps: 1000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(s), as: UTF8.self)
        #expect(json == #"{"decay":"step","decay_every_steps":200000,"decay_factor":0.5,"learning_rate":0.001,"warmup_steps":1000}"#)
        #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: Data(json.utf8)) == s)
        let minimal = try JSONDecoder().decode(LearningRateSchedule.self, from: Data(#"{"learning_rate": 0.01}"#.utf8))
        #expect(minimal == .constant(0.01))
    }

    @Test(arguments: [
        (#"{"learning_rate": 0.01, "lr_decay": 0.5}"#, "unknown key"),
        (#"{"learning_rate": -1}"#, "learning_rate"),
        (#"{"learning_rate": 0.01, "decay": "step", "decay_factor": 0.5}"#, "decay_every_steps"),
        (#"{"learning_rate": 0.01, "decay": "step", "decay_every_steps": 0, "decay_factor": 0.5}"#, "decay_every_steps"),
        (#"{"learning_rate": 0.01, "decay_factor": 0.5}"#, "only applies to decay: step"),
        (#"{"learning_rate": 0.01, "decay": "cosine"}"#, "decay"),
    ])
    func rejectsBadConfigs(json: String, fragment: String) {
        do {
            _ = try JSONDecoder().decode(LearningRateSchedule.self, from: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(fragment), "\(error)")
        }
    }

    @Test func adamHyperparametersDecodeWithDefaults() throws {
        let h = try JSONDecoder().decode(AdamHyperparameters.self, from: Data(#"{"weight_decay": 0.01}"#.utf8))
        #expect(h == AdamHyperparameters(weightDecay: 0.01))
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(AdamHyperparameters.self, from: Data(#"{"beta1": 1.0}"#.utf8))
        }
    }
}
