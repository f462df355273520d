/// A trainable tensor with its gradient, named by a dotted path (`teacher.layers.3.dilated.weight`)
/// that is also its name in checkpoints.
///
/// A reference type so that a layer, the optimiser and the checkpoint writer all see the same
/// storage. Layers list their parameters explicitly (no reflection), and `backward` adds into
/// `gradient`.
public final class Parameter {
    public let name: String
    public var value: Tensor
    public var gradient: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    public func zeroGradient() { gradient.zero() }
}

/// An ordered, named list of a model's parameters: the one place the optimiser, gradient
/// clipping, EMA and checkpoints look. Order is the order the model registered them.
public struct ParameterSet {
    public private(set) var parameters: [Parameter]

    public init(_ parameters: [Parameter] = []) {
        self.parameters = []
        for p in parameters { append(p) }
    }

    public mutating func append(_ parameter: Parameter) {
        precondition(!parameters.contains { $0.name == parameter.name },
                     "duplicate parameter name \(parameter.name)")
        parameters.append(parameter)
    }

    public mutating func append(contentsOf other: ParameterSet) {
        for p in other.parameters { append(p) }
    }

    public subscript(name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    /// Total number of scalars.
    public var scalarCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }
}
