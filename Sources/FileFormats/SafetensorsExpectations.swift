/// A tensor a loader expects to find: its name and exact shape.
public struct SafetensorsTensorSpec: Sendable, Equatable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

extension SafetensorsFile {
    /// The tensors named by `expected`, in that order, after checking the whole list first so
    /// a loader can assign all or nothing.
    ///
    /// Fails with `missingTensors` (every expected name not in the file), then
    /// `unexpectedTensors` (every file tensor not expected, unless `allowingExtra`), then
    /// `shapeMismatch` for the first tensor whose shape differs (naming expected and found).
    public func tensors(matching expected: [SafetensorsTensorSpec],
                        allowingExtra: Bool = false) throws(SafetensorsError) -> [SafetensorsTensor] {
        var byName: [String: SafetensorsTensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        let missing = expected.map(\.name).filter { byName[$0] == nil }
        guard missing.isEmpty else { throw .missingTensors(file: source, names: missing) }
        if !allowingExtra {
            let wanted = Set(expected.map(\.name))
            let extra = tensors.map(\.name).filter { !wanted.contains($0) }
            guard extra.isEmpty else { throw .unexpectedTensors(file: source, names: extra) }
        }
        var result: [SafetensorsTensor] = []
        result.reserveCapacity(expected.count)
        for spec in expected {
            guard let tensor = byName[spec.name] else { throw .missingTensors(file: source, names: [spec.name]) }
            guard tensor.shape == spec.shape else {
                throw .shapeMismatch(file: source, tensor: spec.name, expected: spec.shape, found: tensor.shape)
            }
            result.append(tensor)
        }
        return result
    }
}
