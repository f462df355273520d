import Foundation
import FileFormats
import Tensors

/// Adam state in its own safetensors file (`optimizer.safetensors`), apart from the weights so
/// that a weights file stays small and framework-neutral.
///
/// Tensors: `<parameter>.adam_m` (first moment) and `<parameter>.adam_v` (second moment), each
/// with the parameter's shape, in parameter order. Metadata: `format`
/// (`wavedistill.optimizer.adam.v1`), `step`, `beta1`, `beta2`, `epsilon`, `weight_decay`
/// (decimal, shortest round-trip form) and `parameter_steps` (JSON object: parameter name to
/// its update count t).
extension Adam {
    public static let checkpointFormat = "wavedistill.optimizer.adam.v1"

    public func safetensorsFile() -> SafetensorsFile {
        var tensors: [SafetensorsTensor] = []
        for i in names.indices {
            tensors.append(SafetensorsTensor(name: names[i] + ".adam_m", shape: shapes[i], scalars: firstMoments[i]))
            tensors.append(SafetensorsTensor(name: names[i] + ".adam_v", shape: shapes[i], scalars: secondMoments[i]))
        }
        let steps = names.indices.map { JSONStringLiteral.encode(names[$0]) + ":" + String(parameterSteps[$0]) }
        let h = hyperparameters
        return SafetensorsFile(tensors: tensors, metadata: [
            "format": Self.checkpointFormat,
            "step": String(step),
            "beta1": String(h.beta1),
            "beta2": String(h.beta2),
            "epsilon": String(h.epsilon),
            "weight_decay": String(h.weightDecay),
            "parameter_steps": "{" + steps.joined(separator: ",") + "}",
        ])
    }

    /// Writes the state atomically.
    public func save(to url: URL) throws {
        try safetensorsFile().write(to: url)
    }

    /// Reads the state saved for `parameters`. Every parameter needs both moments with its
    /// shape, and the file may hold no state for other parameters. With
    /// `allowingNewParameters`, parameters with no state at all start fresh (t = 0), for a model
    /// that gained layers since the checkpoint. Hyperparameters come from the file.
    public init(contentsOf url: URL, for parameters: ParameterSet, allowingNewParameters: Bool = false) throws {
        try self.init(file: SafetensorsFile(contentsOf: url), for: parameters,
                      allowingNewParameters: allowingNewParameters)
    }

    public init(file: SafetensorsFile, for parameters: ParameterSet, allowingNewParameters: Bool = false) throws {
        let format = try file.metadataValue("format")
        guard format == Self.checkpointFormat else {
            throw CheckpointError.formatMismatch(file: file.source, expected: Self.checkpointFormat, found: format)
        }
        func number(_ key: String) throws -> Double {
            let text = try file.metadataValue(key)
            guard let value = Double(text), value.isFinite else {
                throw CheckpointError.invalidMetadata(file: file.source, key: key, value: text, reason: "expected a number")
            }
            return value
        }
        let hyperparameters = AdamHyperparameters(beta1: try number("beta1"), beta2: try number("beta2"),
                                                  epsilon: try number("epsilon"), weightDecay: try number("weight_decay"))
        do {
            try hyperparameters.validate(path: "")
        } catch {
            throw CheckpointError.invalidMetadata(file: file.source, key: "hyperparameters", value: "", reason: "\(error)")
        }
        let stepText = try file.metadataValue("step")
        guard let step = Int(stepText), step >= 0 else {
            throw CheckpointError.invalidMetadata(file: file.source, key: "step", value: stepText,
                                                  reason: "expected a non-negative integer")
        }
        let parameterSteps = try Self.parameterSteps(in: file)

        self.init(for: parameters, hyperparameters: hyperparameters)
        self.step = step
        let present = Set(file.names)
        var specs: [SafetensorsTensorSpec] = []
        var stateIndices: [Int] = []
        for (i, p) in parameters.parameters.enumerated() {
            let m = p.name + ".adam_m", v = p.name + ".adam_v"
            if allowingNewParameters && !present.contains(m) && !present.contains(v) { continue }
            specs += [SafetensorsTensorSpec(name: m, shape: p.shape), SafetensorsTensorSpec(name: v, shape: p.shape)]
            stateIndices.append(i)
        }
        let tensors = try file.tensors(matching: specs)
        for (k, i) in stateIndices.enumerated() {
            guard let t = parameterSteps[names[i]] else {
                throw CheckpointError.invalidMetadata(file: file.source, key: "parameter_steps", value: "",
                                                      reason: "no step for parameter '\(names[i])'")
            }
            firstMoments[i] = tensors[2 * k].scalars
            secondMoments[i] = tensors[2 * k + 1].scalars
            self.parameterSteps[i] = t
        }
    }

    /// The `parameter_steps` JSON object as name -> t.
    private static func parameterSteps(in file: SafetensorsFile) throws -> [String: Int] {
        let text = try file.metadataValue("parameter_steps")
        func invalid(_ reason: String) -> CheckpointError {
            .invalidMetadata(file: file.source, key: "parameter_steps", value: String(text.prefix(80)), reason: reason)
        }
        let json: StrictJSONValue
        do {
            json = try StrictJSONParser.parse(Array(text.utf8))
        } catch {
            throw invalid("not valid JSON: \(error)")
        }
        guard case let .object(members) = json else { throw invalid("expected a JSON object") }
        var steps: [String: Int] = [:]
        for (name, value) in members {
            guard let t = value.nonNegativeInteger else { throw invalid("step of '\(name)' is not a non-negative integer") }
            steps[name] = t
        }
        return steps
    }
}
