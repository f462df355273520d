import Foundation
import Optimization
import Tensors
import Testing
import Training

/// A group of two in one process: the other member's contribution to every sum is given.
final class TwoMemberGroup: ProcessGroup, @unchecked Sendable {
    let otherFloats: [Float]
    let otherDoubles: [Double]
    init(otherFloats: [Float], otherDoubles: [Double]) {
        self.otherFloats = otherFloats
        self.otherDoubles = otherDoubles
    }
    var rank: Int { 0 }
    var size: Int { 2 }
    var description: String { "rank 0 of 2 (in-process)" }
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        precondition(values.count == otherFloats.count, "\(values.count) floats reduced, \(otherFloats.count) expected")
        for i in values.indices { values[i] += otherFloats[i] }
    }
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        precondition(values.count == otherDoubles.count, "\(values.count) doubles reduced, \(otherDoubles.count) expected")
        for i in values.indices { values[i] += otherDoubles[i] }
    }
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    func barrier() throws {}
}

@Suite struct GradientAllreduceTests {
    static func parameters(_ gradients: [[Float]]) -> ParameterSet {
        let set = ParameterSet([Parameter(name: "a", value: Tensor(shape: [2, 3])), Parameter(name: "b", value: Tensor(shape: [3]))])
        for (p, g) in zip(set.parameters, gradients) { p.gradient.scalars = g }
        return set
    }

    /// Each member holds the gradient of its share's mean loss; after the reduce both hold the
    /// mean of the two (the gradient of the global batch's mean loss), the loss terms are
    /// averaged and the sample counts summed.
    @Test func averagesGradientsAndLossesOverTheGroup() throws {
        let parameters = Self.parameters([[1, 2, 3, 4, 5, 6], [7, 8, 9]])
        let other: [Float] = [3, 2, 1, 0, -1, -2, -3, -4, -5]
        // The loss keys in sorted order ("kl", "loss"), then the sample count.
        let group = TwoMemberGroup(otherFloats: other, otherDoubles: [0.5, 3, 100])
        var reduce = GradientAllreduce(group: group, parameters: parameters)
        #expect(reduce.scalarCount == 9)
        var result = StepResult(losses: ["loss": 1, "kl": 0.25], samples: 100)
        try reduce.reduce(parameters, result: &result)
        #expect(parameters.parameters.flatMap(\.gradient.scalars) == [2, 2, 2, 2, 2, 2, 2, 2, 2])
        #expect(result.losses == ["loss": 2, "kl": 0.375])
        #expect(result.samples == 200)
    }

    /// A non-finite gradient on one member reaches every member (each then skips the step).
    @Test func aNonFiniteGradientReachesEveryMember() throws {
        let parameters = Self.parameters([[1, 2, 3, 4, 5, 6], [7, 8, 9]])
        let group = TwoMemberGroup(otherFloats: [0, 0, .nan, 0, 0, 0, 0, 0, 0], otherDoubles: [1, 10])
        var reduce = GradientAllreduce(group: group, parameters: parameters)
        var result = StepResult(losses: ["loss": 1], samples: 10)
        try reduce.reduce(parameters, result: &result)
        #expect(throws: (any Error).self) { try parameters.checkGradientsAreFinite() }
    }

    /// Alone, nothing is copied or changed.
    @Test func aSingleProcessIsLeftAlone() throws {
        let parameters = Self.parameters([[1, 2, 3, 4, 5, 6], [7, 8, 9]])
        var reduce = GradientAllreduce(group: SingleProcess(), parameters: parameters)
        var result = StepResult(losses: ["loss": 1], samples: 10)
        try reduce.reduce(parameters, result: &result)
        #expect(reduce.scalarCount == 0)
        #expect(parameters.parameters.flatMap(\.gradient.scalars) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(result.losses == ["loss": 1] && result.samples == 10)
    }

    /// A global batch splits into equal contiguous shares, or is refused naming the key.
    @Test func batchSharesAreEqualOrRefused() throws {
        #expect(try BatchShare(globalBatch: 8, rank: 0, size: 4, key: "k").crops == 0..<2)
        #expect(try BatchShare(globalBatch: 8, rank: 3, size: 4, key: "k").crops == 6..<8)
        #expect(try BatchShare(globalBatch: 3, rank: 0, size: 1, key: "k").crops == 0..<3)
        #expect(throws: DataParallelError.indivisibleBatch(key: "training.teacher.batch_size", batchSize: 6, processes: 4)) {
            try BatchShare(globalBatch: 6, rank: 1, size: 4, key: "training.teacher.batch_size")
        }
    }

    /// The fingerprint sees a single bit of a single weight.
    @Test func fingerprintSeesOneBit() {
        let a = Self.parameters([[1, 2, 3, 4, 5, 6], [7, 8, 9]]), b = Self.parameters([[1, 2, 3, 4, 5, 6], [7, 8, 9]])
        #expect(a.fingerprint() == b.fingerprint())
        b.parameters[1].value.scalars[2] = Float(bitPattern: b.parameters[1].value.scalars[2].bitPattern ^ 1)
        #expect(a.fingerprint() != b.fingerprint())
    }
}
