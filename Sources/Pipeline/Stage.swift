/// The pipeline's stages, numbered as in the recipes (`--stage N --stop-stage M`). The numbers
/// are fixed: they name the stage directories (`01-prepare`, ...) and are checked on the
/// command line.
public enum Stage: Int, CaseIterable, Sendable, CustomStringConvertible {
    case prepare = 1
    case trainTeacher = 2
    case distill = 3
    case synthesize = 4
    case evaluate = 5
    case bench = 6

    /// The stages that train a model: the ones every process of a data-parallel run takes part in.
    public var isTraining: Bool { self == .trainTeacher || self == .distill }

    /// The command name (`wavedistill <name>`).
    public var name: String {
        switch self {
        case .prepare: return "prepare"
        case .trainTeacher: return "train-teacher"
        case .distill: return "distill"
        case .synthesize: return "synthesize"
        case .evaluate: return "evaluate"
        case .bench: return "bench"
        }
    }

    /// `02-train-teacher`.
    public var directoryName: String {
        (rawValue < 10 ? "0" : "") + "\(rawValue)-\(name)"
    }

    /// The stages whose outputs this one reads.
    public var upstream: [Stage] {
        switch self {
        case .prepare: return []
        case .trainTeacher: return [.prepare]
        case .distill: return [.prepare, .trainTeacher]
        case .synthesize: return [.prepare, .trainTeacher, .distill]
        case .evaluate: return [.prepare, .trainTeacher, .distill, .synthesize]
        case .bench: return [.prepare, .trainTeacher, .distill]
        }
    }

    public var description: String { "stage \(rawValue) (\(name))" }
}
