import Tensors

/// A parameter list that does not match the one an optimiser, EMA or gradient buffer was built
/// for: a different model, or parameters registered in another order.
public struct ParameterListMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// Who noticed (`Adam`, `ExponentialMovingAverage`, ...).
    public var owner: String
    public var reason: String

    public init(owner: String, reason: String) {
        self.owner = owner
        self.reason = reason
    }

    public var description: String { "\(owner): parameter list does not match: \(reason)" }

    /// Checks that `parameters` has exactly `names` with `shapes`, in order.
    static func check(_ parameters: ParameterSet, names: [String], shapes: [[Int]], owner: String) throws(ParameterListMismatch) {
        let list = parameters.parameters
        guard list.count == names.count else {
            throw ParameterListMismatch(owner: owner, reason: "expected \(names.count) parameters, found \(list.count)")
        }
        for (i, p) in list.enumerated() {
            guard p.name == names[i] else {
                throw ParameterListMismatch(owner: owner, reason: "parameter \(i) is '\(p.name)', expected '\(names[i])'")
            }
            guard p.shape == shapes[i] else {
                throw ParameterListMismatch(owner: owner,
                                            reason: "parameter '\(p.name)' has shape \(p.shape), expected \(shapes[i])")
            }
        }
    }
}
