import Tensors

/// Polyak averaging of the weights: a shadow copy that follows the trained weights slowly,
/// `shadow = d * shadow + (1 - d) * weight` after each optimiser step. Evaluating and
/// synthesising with the shadow weights gives smoother, usually better, results than the last
/// step's weights (WaveNet and Parallel WaveNet both do this, with d = 0.9999).
///
/// With warm-up, the decay of the n-th update (n = updates done before it, from 0) is
/// `d_n = min(decay, (1 + n) / (10 + n))`: early on the shadow follows the weights quickly, so
/// it is not dominated by the random initialisation for the ~10 000 steps a fixed 0.9999 would
/// take to forget it. Without warm-up, d_n = decay.
///
/// The shadows start as copies of the weights and are bound to that parameter list.
public struct ExponentialMovingAverage {
    public var decay: Double
    public var warmsUp: Bool
    /// Number of `update` calls so far.
    public internal(set) var updateCount: Int = 0

    let names: [String]
    let shapes: [[Int]]
    var shadows: [[Float]]

    public init(tracking parameters: ParameterSet, decay: Double = 0.9999, warmsUp: Bool = true) {
        precondition(decay >= 0 && decay <= 1, "EMA decay must be in [0, 1], got \(decay)")
        self.decay = decay
        self.warmsUp = warmsUp
        names = parameters.parameters.map(\.name)
        shapes = parameters.parameters.map(\.shape)
        shadows = parameters.parameters.map(\.value.scalars)
    }

    /// The decay the next `update` will use.
    public var nextDecay: Double {
        warmsUp ? min(decay, Double(1 + updateCount) / Double(10 + updateCount)) : decay
    }

    /// Moves the shadows towards the current weights (call after each optimiser step).
    public mutating func update(from parameters: ParameterSet) throws(ParameterListMismatch) {
        try check(parameters)
        let rate = Float(1 - nextDecay)
        for (i, parameter) in parameters.parameters.enumerated() {
            let value = parameter.value
            value.withUnsafeBufferPointer { w in
                shadows[i].withUnsafeMutableBufferPointer { shadow in
                    let s = shadow  // a copy of the inout argument: its base stays in a register
                    for j in 0..<s.count { s[j] += rate * (w[j] - s[j]) }
                }
            }
        }
        updateCount += 1
    }

    /// Overwrites the weights with the averages (e.g. before exporting a model for synthesis).
    public func apply(to parameters: ParameterSet) throws(ParameterListMismatch) {
        try check(parameters)
        for (i, parameter) in parameters.parameters.enumerated() {
            parameter.value.scalars = shadows[i]
        }
    }

    /// Exchanges weights and averages in O(1) per parameter (array buffers are swapped, not
    /// copied). Swapping twice restores both; see `withAveragedWeights` for the scoped form.
    public mutating func swap(with parameters: ParameterSet) throws(ParameterListMismatch) {
        try check(parameters)
        for (i, parameter) in parameters.parameters.enumerated() {
            Swift.swap(&shadows[i], &parameter.value.scalars)
        }
    }

    /// Runs `body` with the averaged weights in place (validation, synthesis), then puts the
    /// trained weights back, also when `body` throws.
    public mutating func withAveragedWeights<R>(in parameters: ParameterSet, _ body: () throws -> R) throws -> R {
        try swap(with: parameters)
        defer { try? swap(with: parameters) }  // cannot fail: the same list was just accepted
        return try body()
    }

    /// The average of one parameter, or nil for an unknown name.
    public func average(of name: String) -> Tensor? {
        guard let i = names.firstIndex(of: name) else { return nil }
        return Tensor(shape: shapes[i], scalars: shadows[i])
    }

    /// All averages as (name, tensor), in parameter order: what a checkpoint writes.
    public var averages: [(name: String, value: Tensor)] {
        names.indices.map { (names[$0], Tensor(shape: shapes[$0], scalars: shadows[$0])) }
    }

    private func check(_ parameters: ParameterSet) throws(ParameterListMismatch) {
        try ParameterListMismatch.check(parameters, names: names, shapes: shapes, owner: "ExponentialMovingAverage")
    }
}
