import Foundation

/// The closed-form, regularised per-step KL of ClariNet (DESIGN §5) between a Gaussian student
/// N(m_S, s_S) and a Gaussian teacher N(m_T, s_T), parametrised by log-scales:
///
///     KL = log s_T - log s_S + (s_S^2 + (m_S - m_T)^2) / (2 s_T^2) - 1/2
///          + lambda (log s_T - log s_S)^2
///
/// The lambda term pulls the student's log-scale straight toward the teacher's; the KL alone
/// gives a weak signal when the scales are far apart. Gradients, with D = l_T - l_S, rho = e^(2(l_S - l_T)),
/// delta = (m_S - m_T) / s_T:
///     d/dm_S = delta / s_T,  d/dm_T = -delta / s_T,
///     d/dl_S = -1 + rho - 2 lambda D,  d/dl_T = 1 - rho - delta^2 + 2 lambda D.
public struct GaussianKL: Sendable {
    public let lambda: Float

    /// - Parameter lambda: weight of the log-scale penalty; ClariNet uses 4.
    public init(lambda: Float = 4) throws {
        guard lambda.isFinite, lambda >= 0 else { throw DistributionError.invalidRegularisation(lambda) }
        self.lambda = lambda
    }

    /// The gradient of one step's KL.
    public struct Gradient: Equatable, Sendable {
        public var studentMean: Float
        public var studentLogScale: Float
        public var teacherMean: Float
        public var teacherLogScale: Float
    }

    /// One step's regularised KL.
    public func divergence(studentMean: Float, studentLogScale: Float,
                           teacherMean: Float, teacherLogScale: Float) -> Float {
        let logRatio = Double(teacherLogScale) - Double(studentLogScale)
        let delta = (Double(studentMean) - Double(teacherMean)) * exp(-Double(teacherLogScale))
        let rho = exp(-2 * logRatio)
        return Float(logRatio + (rho + delta * delta) / 2 - 0.5 + Double(lambda) * logRatio * logRatio)
    }

    public func gradient(studentMean: Float, studentLogScale: Float,
                         teacherMean: Float, teacherLogScale: Float) -> Gradient {
        let logRatio = Double(teacherLogScale) - Double(studentLogScale)
        let inverseTeacherScale = exp(-Double(teacherLogScale))
        let delta = (Double(studentMean) - Double(teacherMean)) * inverseTeacherScale
        let rho = exp(-2 * logRatio)
        let penalty = 2 * Double(lambda) * logRatio
        return Gradient(studentMean: Float(delta * inverseTeacherScale),
                        studentLogScale: Float(-1 + rho - penalty),
                        teacherMean: Float(-delta * inverseTeacherScale),
                        teacherLogScale: Float(1 - rho - delta * delta + penalty))
    }

    /// The four per-step inputs of a buffer call, each `count` floats (one per time step).
    public struct Steps {
        public var studentMean, studentLogScale, teacherMean, teacherLogScale: UnsafeBufferPointer<Float>

        public init(studentMean: UnsafeBufferPointer<Float>, studentLogScale: UnsafeBufferPointer<Float>,
                    teacherMean: UnsafeBufferPointer<Float>, teacherLogScale: UnsafeBufferPointer<Float>) {
            self.studentMean = studentMean
            self.studentLogScale = studentLogScale
            self.teacherMean = teacherMean
            self.teacherLogScale = teacherLogScale
        }

        func check(_ count: Int) {
            precondition(studentMean.count >= count && studentLogScale.count >= count
                            && teacherMean.count >= count && teacherLogScale.count >= count,
                         "GaussianKL: every input buffer needs \(count) elements")
        }
    }

    /// out[t] = KL at step t.
    public func divergence(_ steps: Steps, count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        steps.check(count)
        precondition(out.count >= count, "GaussianKL: out holds \(out.count) floats, needs \(count)")
        for t in 0..<count {
            out[t] = divergence(studentMean: steps.studentMean[t], studentLogScale: steps.studentLogScale[t],
                                teacherMean: steps.teacherMean[t], teacherLogScale: steps.teacherLogScale[t])
        }
    }

    /// Adds upstream[t] * dKL_t / d(input) into the gradient buffers; a nil buffer is skipped
    /// (the frozen teacher may not need its own gradients, only their path to its input).
    public func backward(_ steps: Steps, count: Int, upstream: UnsafeBufferPointer<Float>,
                         studentMeanGradient: UnsafeMutableBufferPointer<Float>?,
                         studentLogScaleGradient: UnsafeMutableBufferPointer<Float>?,
                         teacherMeanGradient: UnsafeMutableBufferPointer<Float>?,
                         teacherLogScaleGradient: UnsafeMutableBufferPointer<Float>?) {
        steps.check(count)
        let outputs = [studentMeanGradient, studentLogScaleGradient, teacherMeanGradient,
                       teacherLogScaleGradient]
        precondition(upstream.count >= count && outputs.allSatisfy { ($0?.count ?? count) >= count },
                     "GaussianKL.backward: upstream and every gradient buffer need \(count) elements")
        for t in 0..<count {
            let g = upstream[t]
            let d = gradient(studentMean: steps.studentMean[t], studentLogScale: steps.studentLogScale[t],
                             teacherMean: steps.teacherMean[t], teacherLogScale: steps.teacherLogScale[t])
            studentMeanGradient?[t] += g * d.studentMean
            studentLogScaleGradient?[t] += g * d.studentLogScale
            teacherMeanGradient?[t] += g * d.teacherMean
            teacherLogScaleGradient?[t] += g * d.teacherLogScale
        }
    }
}
