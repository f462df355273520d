import Configuration
import Foundation
import Testing
@testable import Pipeline

/// The stage cache cannot go stale: every leaf key of every bundled recipe is changed in turn,
/// and the stages whose inputs change must be exactly the key's readers in `readers` below, and
/// the stages whose hash changes exactly those readers and everything downstream of them. A
/// stage that reads a key this table does not list (or stops reading one it lists) fails here.
@Suite struct StageInputsTests {
    /// Which stages read each key, by key path prefix (the longest listed prefix wins).
    static let readers: [String: Set<Stage>] = [
        "name": [],
        "seed": [.trainTeacher, .distill],
        "data": [.prepare],
        "features": Set(Stage.allCases),
        "teacher": [.trainTeacher],
        "student": [.distill],
        "losses": [.distill],
        "losses.kl_samples": [.distill, .evaluate],
        "losses.gaussian_kl_lambda": [.distill, .evaluate],
        "training.teacher": [.trainTeacher],
        "training.student": [.distill],
        "synthesis": [.synthesize],
        "synthesis.seed": [.synthesize, .evaluate],
        "synthesis.chunk_samples": [.synthesize, .bench],
        "evaluation.score_max_seconds": [.trainTeacher, .distill, .evaluate],
        "benchmark": [.bench],
    ]

    /// Keys no valid recipe can change alone: the upsampler's strides multiply to the hop, and
    /// `hann` is the only window. `couplingIsReal` checks they are, and `hopChangesEveryStage`
    /// changes the hop and the strides together.
    static let coupled: [String] = ["features.hop_length", "teacher.upsampler.strides.", "student.upsampler.strides.",
                                    "features.window"]

    static func readers(of path: String) -> Set<Stage>? {
        var components = path.split(separator: ".").map(String.init)
        while !components.isEmpty {
            if let stages = readers[components.joined(separator: ".")] { return stages }
            components.removeLast()
        }
        return nil
    }

    /// The stages that read one of `stages`' outputs, directly or not, and `stages` themselves.
    static func downstream(of stages: Set<Stage>) -> Set<Stage> {
        Set(Stage.allCases.filter { s in stages.contains(s) || !stages.isDisjoint(with: s.upstream) })
    }

    static var recipes: [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Pipelines")
        let fm = FileManager.default
        let top = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        let ablations = (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent("ablations").path)) ?? []
        return (top.map { root.appendingPathComponent($0) }
            + ablations.map { root.appendingPathComponent("ablations").appendingPathComponent($0) })
            .filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }
    }

    @Test(arguments: recipes.map(\.lastPathComponent))
    func everyLeafKeyChangesExactlyItsReaders(recipe: String) throws {
        let url = try #require(Self.recipes.first { $0.lastPathComponent == recipe })
        let config = try PipelineConfig.load(url)
        let tree = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config))
        let base = Experiment(config: config, directory: URL(fileURLWithPath: "/tmp/x"))
        var perturbed = 0
        for (path, value) in tree.leaves() where !Self.coupled.contains(where: { path.hasPrefix($0) }) {
            guard let (changed, paths) = Self.perturb(tree, at: path, value, of: config) else {
                Issue.record("\(recipe): no valid change of \(path) (\(value))")
                continue
            }
            var expected: Set<Stage> = []
            for p in paths {
                guard let stages = Self.readers(of: p) else {
                    Issue.record("\(recipe): no reader listed for \(p)")
                    continue
                }
                expected.formUnion(stages)
            }
            let other = Experiment(config: changed, directory: base.root)
            let inputsChanged = Set(Stage.allCases.filter { base.inputsJSON($0) != other.inputsJSON($0) })
            let hashChanged = Set(Stage.allCases.filter { base.hash($0) != other.hash($0) })
            #expect(inputsChanged == expected,
                    "\(recipe): \(path) changes the inputs of \(inputsChanged.map(\.name).sorted())")
            #expect(hashChanged == Self.downstream(of: expected),
                    "\(recipe): \(path) changes \(hashChanged.map(\.name).sorted())")
            perturbed += 1
        }
        #expect(perturbed > 100, "\(recipe): only \(perturbed) keys")
    }

    /// The coupled keys really cannot change alone (else they belong in the main test).
    @Test func couplingIsReal() throws {
        let config = try PipelineConfig.load(try #require(Self.recipes.first { $0.lastPathComponent == "debug.yaml" }))
        let tree = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config))
        let coupled = tree.leaves().filter { leaf in Self.coupled.contains { leaf.path.hasPrefix($0) } }
        #expect(coupled.count >= 4)
        for (path, value) in coupled {
            #expect(Self.perturb(tree, at: path, value, of: config) == nil, "\(path) changes alone")
        }
    }

    @Test func hopChangesEveryStage() throws {
        var config = try PipelineConfig.load(try #require(Self.recipes.first { $0.lastPathComponent == "debug.yaml" }))
        let base = Experiment(config: config, directory: URL(fileURLWithPath: "/tmp/x"))
        config.features.hopLength *= 2
        config.teacher.upsampler.strides[0] *= 2
        config.student.upsampler.strides[0] *= 2
        try config.validate(path: "")
        let other = Experiment(config: config, directory: base.root)
        #expect(Stage.allCases.allSatisfy { base.inputsJSON($0) != other.inputsJSON($0) })
    }

    /// A recipe written before `griffin_lim_iterations` moved fails with its new place.
    @Test func movedKeyNamesItsNewPlace() {
        #expect {
            try YAMLConfigLoader.decode(PipelineConfig.self,
                                        from: "name: x\nevaluation:\n  griffin_lim_iterations: 8\n", file: "old.yaml")
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.path == "evaluation.griffin_lim_iterations" && "\(e)".contains("synthesis.griffin_lim_iterations")
        }
        #expect(throws: Never.self) {
            try YAMLConfigLoader.decode(PipelineConfig.self, from: "name: x\nsynthesis:\n  griffin_lim_iterations: 8\n",
                                        file: "new.yaml")
        }
    }

    /// Keys some values of a key need set with it (the pair is changed together, and the
    /// expected readers are both keys' readers): a Gaussian student needs a Gaussian teacher
    /// head and the other way round; a step schedule needs its interval and factor.
    static func companions(of path: String, _ candidate: JSONValue) -> [(path: String, value: JSONValue)] {
        switch (path, candidate) {
        case ("student.base", .string("gaussian")): return [("teacher.head.kind", .string("gaussian"))]
        case ("teacher.head.kind", .string("gaussian")): return [("student.base", .string("gaussian"))]
        case (_, .string("step")) where path.hasSuffix("schedule.decay"):
            let schedule = String(path.dropLast("decay".count))
            return [(schedule + "decay_every_steps", .int(100)), (schedule + "decay_factor", .double(0.5))]
        case (_, .string("constant")) where path.hasSuffix("schedule.decay"):
            let schedule = String(path.dropLast("decay".count))
            return [(schedule + "decay_every_steps", .null), (schedule + "decay_factor", .null)]
        default: return []
        }
    }

    /// The first candidate value for the leaf at `path` (with its companions) that gives a
    /// valid config other than `original`, and the paths changed; nil if there is none.
    static func perturb(_ tree: JSONValue, at path: String, _ value: JSONValue,
                        of original: PipelineConfig) -> (config: PipelineConfig, paths: [String])? {
        for candidate in value.candidates() {
            let edits = [(path, candidate)] + companions(of: path, candidate)
            let edited = edits.reduce(tree) { $0.replacing($1.0, with: $1.1) }
            guard let data = try? JSONEncoder().encode(edited) else { continue }
            if let config = try? JSONConfig.decode(PipelineConfig.self, from: String(decoding: data, as: UTF8.self),
                                                   source: "perturbed"), config != original {
                return (config, edits.map(\.0))
            }
        }
        return nil
    }
}

/// A JSON document, to walk and edit a config's leaves.
enum JSONValue: Codable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Bool before the numbers, Int before Double (so integral values stay integers).
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .object(let o): try c.encode(o)
        case .array(let a): try c.encode(a)
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        }
    }

    /// Every leaf (scalar) with its dotted path (`student.flows.2.layers`).
    func leaves(prefix: String = "") -> [(path: String, value: JSONValue)] {
        let join = { (key: String) in prefix.isEmpty ? key : prefix + "." + key }
        switch self {
        case .object(let o): return o.keys.sorted().flatMap { o[$0]!.leaves(prefix: join($0)) }
        case .array(let a): return a.indices.flatMap { a[$0].leaves(prefix: join(String($0))) }
        default: return [(prefix, self)]
        }
    }

    func replacing(_ path: String, with value: JSONValue) -> JSONValue {
        let dot = path.firstIndex(of: ".") ?? path.endIndex
        let head = String(path[..<dot]), rest = dot == path.endIndex ? "" : String(path[path.index(after: dot)...])
        switch self {
        case .object(var o):
            o[head] = rest.isEmpty ? value : o[head]?.replacing(rest, with: value)
            return .object(o)
        case .array(var a):
            guard let i = Int(head), a.indices.contains(i) else { return self }
            a[i] = rest.isEmpty ? value : a[i].replacing(rest, with: value)
            return .array(a)
        default:
            return value
        }
    }

    /// Values to try in place of this leaf, nearest first.
    func candidates() -> [JSONValue] {
        switch self {
        case .bool(let b): return [.bool(!b)]
        case .int(let i):
            return [.int(i + 1), .int(i * 2), .int(i - 1), .int(i / 2), .int(i + 2), .double(Double(i) + 0.5)]
        case .double(let d): return [.double(d * 2), .double(d / 2), .double(d + 0.5), .double(d * 0.9), .double(d - 1)]
        case .string(let s):
            // Other values of the configs' enums (an invalid one is skipped).
            return [.string(s + "x")] + ["mol", "mulaw256", "gaussian", "logistic", "constant", "step", "transposed",
                                          "shared_transposed", "repeat", "slaney", "htk", "none", "log10", "ln"]
                .map(JSONValue.string)
        case .null, .object, .array: return []
        }
    }
}
