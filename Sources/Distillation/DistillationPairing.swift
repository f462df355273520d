import Distributions
import Student
import Teacher

/// Which teacher head can teach which student base: the one statement of the rule. The
/// pipeline checks it when a recipe loads (`PipelineConfig.validate`), before any training,
/// and `DistillationDivergence` checks it again on the built models.
///
///     student.base   teacher.head.kind   distilled by
///     logistic       mol                 Monte Carlo KL (`DensityDistillation`)
///     gaussian       gaussian            closed-form KL (`GaussianDistillation`, ClariNet)
///
/// Every other pair is refused: a Gaussian student is distilled with the closed form, which
/// needs a Gaussian teacher, and a Gaussian teacher is only distilled that way; a `mulaw256`
/// teacher is a softmax over 256 classes with no gradient with respect to its input, which the
/// Monte Carlo KL of an IAF student needs.
public enum DistillationPairing {
    public static func check(studentBase: StudentBase, teacherHead: OutputHeadConfig.Kind) throws(DistillationError) {
        switch (studentBase, teacherHead) {
        case (.logistic, .mol), (.gaussian, .gaussian):
            return
        case (.logistic, .mulaw256):
            throw .noInputGradient(teacherHead: teacherHead.rawValue)
        case (.gaussian, _), (.logistic, .gaussian):
            throw .basePairing(studentBase: studentBase, teacherHead: teacherHead.rawValue)
        }
    }

    /// The head kind of a built teacher's distribution; nil for other distributions (the
    /// closed-form test teachers).
    static func headKind(of distribution: any OutputDistribution) -> OutputHeadConfig.Kind? {
        switch distribution {
        case is GaussianOutput: return .gaussian
        case is DiscretizedMixtureOfLogistics: return .mol
        case is MuLawSoftmax: return .mulaw256
        default: return nil
        }
    }
}
