import Distributions
import Student

/// How KL(P_S || P_T) is computed; the pairing of the student's base (`student.base`) and the
/// teacher's head (`teacher.head.kind`) decides:
///
///     logistic base, mol (or mulaw256) head   Monte Carlo: K samples per step (`DensityDistillation`)
///     gaussian base, gaussian head            closed form per step (`GaussianDistillation`, ClariNet)
///
/// Other pairs are refused by `DistillationPairing` (the rule's one statement), checked here on
/// the built models as the pipeline checks it on the recipe.
public enum DistillationDivergence {
    case monteCarlo(DensityDistillation)
    case closedForm(GaussianDistillation)

    /// - Parameters:
    ///   - samples: K of the Monte-Carlo path (`losses.kl_samples`).
    ///   - gaussianLambda: lambda of the closed-form path (`losses.gaussian_kl_lambda`).
    public init(base: StudentBase, teacher distribution: any OutputDistribution, samples: Int,
                gaussianLambda: Float) throws {
        let head = DistillationError.headName(of: distribution)
        if let kind = DistillationPairing.headKind(of: distribution) {
            try DistillationPairing.check(studentBase: base, teacherHead: kind)
        }
        switch (base, distribution) {
        case (.gaussian, let gaussian as GaussianOutput):
            guard gaussianLambda.isFinite && gaussianLambda >= 0 else {
                throw DistillationError.invalidSetting(key: "losses.gaussian_kl_lambda",
                                                       requirement: "must be finite and >= 0, got \(gaussianLambda)")
            }
            self = .closedForm(try GaussianDistillation(head: gaussian, lambda: gaussianLambda))
        case (.gaussian, _), (.logistic, is GaussianOutput):
            throw DistillationError.basePairing(studentBase: base, teacherHead: head)
        case (.logistic, _):
            guard distribution.providesInputGradient else { throw DistillationError.noInputGradient(teacherHead: head) }
            guard samples >= 1 else {
                throw DistillationError.invalidSetting(key: "losses.kl_samples", requirement: "must be >= 1, got \(samples)")
            }
            self = .monteCarlo(DensityDistillation(distribution: distribution, samples: samples))
        }
    }
}
