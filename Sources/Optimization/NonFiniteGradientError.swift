import Tensors

/// NaN or Inf values found in gradients, per parameter. The trainer skips or stops the step with
/// this message: one NaN would otherwise spread into the weights and the Adam state for good.
public struct NonFiniteGradientError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Occurrence: Sendable, Equatable {
        public var parameter: String
        public var nanCount: Int
        public var infinityCount: Int
        /// Flat (row-major) index and value of the first non-finite element.
        public var firstIndex: Int
        public var firstValue: Float

        public static func == (a: Occurrence, b: Occurrence) -> Bool {
            a.parameter == b.parameter && a.nanCount == b.nanCount && a.infinityCount == b.infinityCount
                && a.firstIndex == b.firstIndex && a.firstValue.bitPattern == b.firstValue.bitPattern
        }
    }

    /// Every parameter with a non-finite gradient, in parameter order.
    public var occurrences: [Occurrence]

    public var description: String {
        let shown = occurrences.prefix(5).map { o in
            "'\(o.parameter)' (\(o.nanCount) NaN, \(o.infinityCount) Inf; first at index \(o.firstIndex): \(o.firstValue))"
        }
        let more = occurrences.count > 5 ? " and \(occurrences.count - 5) more parameters" : ""
        return "non-finite gradient in \(shown.joined(separator: ", "))\(more)"
    }
}

extension ParameterSet {
    /// Throws `NonFiniteGradientError` naming every parameter whose gradient holds NaN or Inf.
    public func checkGradientsAreFinite() throws(NonFiniteGradientError) {
        var occurrences: [NonFiniteGradientError.Occurrence] = []
        for parameter in parameters {
            // Fast path: a finite sum of squares (in double) means every element is finite; a
            // non-finite sum (NaN, Inf, or overflow from huge values) triggers the exact scan.
            if Ops.sumOfSquares(parameter.gradient).isFinite { continue }
            var nan = 0, inf = 0, first = -1
            var firstValue: Float = 0
            parameter.gradient.withUnsafeBufferPointer { g in
                for (j, x) in g.enumerated() where !x.isFinite {
                    if x.isNaN { nan += 1 } else { inf += 1 }
                    if first < 0 { first = j; firstValue = x }
                }
            }
            if first >= 0 {
                occurrences.append(.init(parameter: parameter.name, nanCount: nan, infinityCount: inf,
                                         firstIndex: first, firstValue: firstValue))
            }
        }
        if !occurrences.isEmpty { throw NonFiniteGradientError(occurrences: occurrences) }
    }
}
