import Testing
import Tensors
@testable import Optimization

@Suite struct GradientReducerTests {
    @Test func flatBufferRoundTripsInParameterOrder() throws {
        let parameters = Fixture.parameters()
        var buffer = FlatGradientBuffer(for: parameters)
        #expect(buffer.segments.map(\.offset) == [0, 6])
        try buffer.gather(from: parameters)
        #expect(buffer.scalars == parameters.parameters.flatMap(\.gradient.scalars))

        // What an allreduce over two identical processes followed by averaging would leave.
        buffer.scalars = buffer.scalars.map { ($0 + $0) / 2 + 1 }
        let expected = buffer.scalars
        try buffer.scatter(into: parameters)
        #expect(parameters.parameters.flatMap(\.gradient.scalars) == expected)

        let other = ParameterSet([Parameter(name: "x", value: Tensor(shape: [9]))])
        #expect(throws: ParameterListMismatch.self) { try buffer.gather(from: other) }
    }

    /// Backward adds into gradients, so k micro-batches leave the sum of their mean-loss
    /// gradients; the local reducer divides by k, giving the gradient of the whole batch.
    @Test func localReducerAveragesMicroBatches() throws {
        let parameters = Fixture.parameters(gradients: [[Float](repeating: 0, count: 6), [0, 0, 0]])
        let microBatchGradients: [[Float]] = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 2, 1, 0, -1, -2, -3, -4, -5]]
        for g in microBatchGradients {  // "backward" of each micro-batch
            parameters.parameters[0].gradient.scalars = zip(parameters.parameters[0].gradient.scalars, g[0..<6]).map(+)
            parameters.parameters[1].gradient.scalars = zip(parameters.parameters[1].gradient.scalars, g[6..<9]).map(+)
        }
        var reducer = LocalGradientReducer(microBatchCount: 2)
        try reducer.reduce(parameters)
        #expect(parameters.parameters.flatMap(\.gradient.scalars) == [2, 2, 2, 2, 2, 2, 2, 2, 2])

        var single = LocalGradientReducer()
        try single.reduce(parameters)
        #expect(parameters.parameters.flatMap(\.gradient.scalars) == [2, 2, 2, 2, 2, 2, 2, 2, 2])
    }
}
