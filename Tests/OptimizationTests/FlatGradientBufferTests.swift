import Testing
import Tensors
@testable import Optimization

@Suite struct FlatGradientBufferTests {
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
}
