import Randomness
import Tensors

/// Central finite-difference checks of analytic gradients (DESIGN §7).
///
/// How to check a new op or layer:
/// 1. Build a small random case and a random upstream gradient g.
/// 2. Write `loss(x) = sum(op(x) * g)` in Double (use `dot`).
/// 3. Run the op's backward with upstream g to get the analytic gradient for each input and
///    parameter, then call `check` once per tensor; `#expect(result.passed, "\(result)")`.
/// Probing all elements of a large tensor is slow, so at most `maxProbes` elements are
/// probed, chosen at random (seeded); kinks (relu at 0, clamps) belong in `skip`.
public struct GradientChecker {
    public struct Options: Sendable {
        /// Finite-difference step.
        public var epsilon: Float = 1e-2
        /// Passes when |analytic - numeric| <= absoluteTolerance + relativeTolerance * max(|a|, |n|).
        public var relativeTolerance: Double = 1e-2
        public var absoluteTolerance: Double = 1e-4
        /// At most this many elements are probed per tensor.
        public var maxProbes: Int = 64
        public var seed: UInt64 = 1

        public init(epsilon: Float = 1e-2, relativeTolerance: Double = 1e-2,
                    absoluteTolerance: Double = 1e-4, maxProbes: Int = 64, seed: UInt64 = 1) {
            self.epsilon = epsilon
            self.relativeTolerance = relativeTolerance
            self.absoluteTolerance = absoluteTolerance
            self.maxProbes = maxProbes
            self.seed = seed
        }
    }

    /// The outcome for one tensor; `description` names the worst element.
    public struct Result: CustomStringConvertible, Sendable {
        public let name: String
        public let probed: Int
        public let worstIndex: Int
        public let analytic: Double
        public let numeric: Double
        /// Error at the worst element divided by its allowed error (<= 1 passes).
        public let worstRatio: Double
        /// A check that probed no element (an empty tensor, or `skip` everywhere) checked nothing,
        /// so it fails rather than passing vacuously.
        public var passed: Bool { probed > 0 && worstRatio <= 1 && worstRatio.isFinite }

        public var description: String {
            guard probed > 0 else { return "\(name): FAILED, probed nothing (empty tensor or every index skipped)" }
            return "\(name): \(passed ? "ok" : "FAILED"), probed \(probed), worst index \(worstIndex): "
                + "analytic \(analytic), numeric \(numeric), error/allowed \(worstRatio)"
        }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Checks `analytic` = d loss / d tensor by central differences.
    /// - Parameters:
    ///   - tensor: the point at which to differentiate; it is perturbed element by element and
    ///     restored before `loss` sees the next probe.
    ///   - loss: the scalar loss as a function of the perturbed tensor (evaluate in Double).
    ///   - skip: indices where the function has a kink and the check is meaningless.
    public func check(name: String, at tensor: Tensor, analytic: Tensor,
                      skip: (Int) -> Bool = { _ in false },
                      loss: (Tensor) -> Double) -> Result {
        precondition(tensor.shape == analytic.shape,
                     "\(name): gradient shape \(analytic.shape) differs from tensor shape \(tensor.shape)")
        // Seeded by the name through FNV-1a (String.hashValue is randomised per process).
        let stream = name.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var rng = Philox(seed: options.seed, stream: stream)
        var indices = Array(0..<tensor.count)
        if indices.count > options.maxProbes {
            // Partial Fisher-Yates: a seeded random subset.
            for i in 0..<options.maxProbes {
                let j = i + rng.nextInt(below: indices.count - i)
                indices.swapAt(i, j)
            }
            indices = Array(indices.prefix(options.maxProbes))
        }
        var probe = tensor
        var worst = (index: -1, analytic: 0.0, numeric: 0.0, ratio: 0.0)
        var probed = 0
        for index in indices where !skip(index) {
            let original = probe.scalars[index]
            probe.scalars[index] = original + options.epsilon
            let plus = loss(probe)
            probe.scalars[index] = original - options.epsilon
            let minus = loss(probe)
            probe.scalars[index] = original
            // The actual step after float rounding, so the quotient is honest.
            let step = Double(original + options.epsilon) - Double(original - options.epsilon)
            let numeric = (plus - minus) / step
            let a = Double(analytic.scalars[index])
            let allowed = options.absoluteTolerance + options.relativeTolerance * max(abs(a), abs(numeric))
            let ratio = abs(a - numeric) / allowed
            probed += 1
            if ratio > worst.ratio || worst.index < 0 || !ratio.isFinite {
                worst = (index, a, numeric, ratio.isFinite ? ratio : .infinity)
            }
        }
        return Result(name: name, probed: probed, worstIndex: worst.index,
                      analytic: worst.analytic, numeric: worst.numeric, worstRatio: worst.ratio)
    }
}

/// sum_i a_i * b_i in Double: the usual probe loss `sum(y * g)`.
public func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.count == b.count, "dot of \(a.shape) and \(b.shape)")
    var s = 0.0
    for i in 0..<a.count { s += Double(a.scalars[i]) * Double(b.scalars[i]) }
    return s
}
