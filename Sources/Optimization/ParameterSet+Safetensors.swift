import Foundation
import FileFormats
import Tensors

/// Model weights <-> safetensors: one tensor per parameter, under the parameter's dotted name,
/// in registration order.
extension ParameterSet {
    /// The (name, shape) list a weights file must match exactly.
    public var tensorSpecs: [SafetensorsTensorSpec] {
        parameters.map { SafetensorsTensorSpec(name: $0.name, shape: $0.shape) }
    }

    /// The weights as a safetensors file (values, not gradients).
    public func safetensorsFile(metadata: [String: String]) -> SafetensorsFile {
        SafetensorsFile(tensors: parameters.map { SafetensorsTensor(name: $0.name, shape: $0.shape, scalars: $0.value.scalars) },
                        metadata: metadata)
    }

    /// Writes the weights and metadata atomically to `url`.
    public func save(to url: URL, metadata: CheckpointMetadata) throws {
        try safetensorsFile(metadata: metadata.dictionary()).write(to: url)
    }

    /// Loads weights from `url` into these parameters, all or nothing: the file must hold exactly
    /// these names with these shapes (errors name the tensor, expected and found shape, or list
    /// missing and unexpected names), and, if given, `expectedFormat`.
    @discardableResult
    public func load(from url: URL, expectedFormat: String? = nil) throws -> CheckpointMetadata {
        let file = try SafetensorsFile(contentsOf: url)
        let metadata = try CheckpointMetadata(from: file)
        if let expectedFormat { try metadata.requireFormat(expectedFormat, file: file.source) }
        try assign(from: file)
        return metadata
    }

    /// Copies matching tensors of `file` into the parameter values after checking all of them.
    public func assign(from file: SafetensorsFile) throws(SafetensorsError) {
        let tensors = try file.tensors(matching: tensorSpecs)
        for (parameter, tensor) in zip(parameters, tensors) {
            parameter.value.scalars = tensor.scalars
        }
    }
}
