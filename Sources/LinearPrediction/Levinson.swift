/// The Levinson-Durbin recursion: the order-p linear predictor of a stationary process from its
/// autocorrelation r[0...p].
///
///     x_t + a_1 x_{t-1} + ... + a_p x_{t-p} = e_t,     E = E[e_t^2] = r0 + sum_k a_k r_k
///
/// solves the Toeplitz normal equations sum_j a_j r_|i-j| = -r_i (i = 1...p) in O(p^2). With a
/// positive definite r every reflection coefficient has |k| < 1, so the synthesis filter 1/A(z)
/// is stable. If r is not positive definite (|k| >= 1 at some order, or r0 <= 0) the recursion
/// stops there and the remaining coefficients stay 0: the predictor is then the last stable one.
public enum Levinson {
    /// - Returns: `a` (p coefficients, a_1 first) and the prediction error power E.
    public static func solve(autocorrelation r: [Double], order p: Int) -> (a: [Double], error: Double) {
        precondition(r.count > p, "Levinson: \(r.count) autocorrelation lags for order \(p)")
        var a = [Double](repeating: 0, count: p)
        var error = r[0]
        guard error > 0 else { return (a, max(error, 0)) }
        var previous = a
        for i in 0..<p {
            var acc = r[i + 1]
            for j in 0..<i { acc += a[j] * r[i - j] }
            let k = -acc / error
            guard abs(k) < 1 else { break }
            previous = a
            for j in 0..<i { a[j] = previous[j] + k * previous[i - 1 - j] }
            a[i] = k
            error *= 1 - k * k
        }
        return (a, error)
    }
}
