import Distributions
import Student

/// A distillation set up with a student and a teacher (or settings) that cannot work together,
/// named by their config keys so the pipeline file can be fixed.
public enum DistillationError: Error, Equatable, CustomStringConvertible {
    /// `student.base` and `teacher.head.kind` do not pair (see `DistillationPairing`).
    case basePairing(studentBase: StudentBase, teacherHead: String)
    /// The teacher's head gives no gradient with respect to its input (`mulaw256`), which the
    /// Monte Carlo KL needs (see `DistillationPairing`).
    case noInputGradient(teacherHead: String)
    case invalidSetting(key: String, requirement: String)

    public var description: String {
        switch self {
        case let .basePairing(base, head) where base == .gaussian:
            return "student.base is gaussian but teacher.head.kind is \(head): a Gaussian student is distilled with "
                + "the closed-form KL, which needs a Gaussian teacher (set teacher.head.kind: gaussian, or student.base: logistic)"
        case let .basePairing(base, head):
            return "student.base is \(base.rawValue) but teacher.head.kind is \(head): a Gaussian teacher is distilled "
                + "with the closed-form KL, which needs a Gaussian student (set student.base: gaussian)"
        case let .noInputGradient(head):
            return "teacher.head.kind is \(head): its distribution gives no gradient with respect to its input, so it "
                + "cannot teach an IAF student (use teacher.head.kind: mol, or gaussian with student.base: gaussian)"
        case let .invalidSetting(key, requirement):
            return "\(key): \(requirement)"
        }
    }

    /// The `teacher.head.kind` name of a head's distribution.
    static func headName(of distribution: any OutputDistribution) -> String {
        switch distribution {
        case is GaussianOutput: return "gaussian"
        case is DiscretizedMixtureOfLogistics: return "mol"
        case is MuLawSoftmax: return "mulaw256"
        default: return String(describing: type(of: distribution))
        }
    }
}
