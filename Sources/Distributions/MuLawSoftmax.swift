import Foundation
import Randomness

/// The original WaveNet head: a 256-way softmax over mu-law (mu = 255) classes.
///
/// Row layout (`parameterCount` = 256): the logits of classes 0 ..< 256, class 0 the most
/// negative level. The target x in [-1, 1] is mapped to its class by `MuLawQuantizer`, and
/// log p(x) = log_softmax(w)[class(x)].
///
/// log p is piecewise constant in x, so d log p / dx is zero and `backward` leaves `xGradient`
/// untouched (`providesInputGradient` is false): a mu-law teacher can be trained and sampled,
/// but it cannot drive probability density distillation, which differentiates the teacher's
/// score of the student's samples with respect to those samples.
public struct MuLawSoftmax: OutputDistribution {
    let quantizer = MuLawQuantizer()

    public init() {}

    public var parameterCount: Int { quantizer.levels }
    public var providesInputGradient: Bool { false }

    /// The class index of x (for tests and for data preparation that wants the same mapping).
    public func classIndex(of x: Float) -> Int { quantizer.quantize(x) }

    /// The waveform value a class decodes to.
    public func value(ofClass c: Int) -> Float {
        precondition((0..<quantizer.levels).contains(c), "mu-law class \(c) outside 0..<\(quantizer.levels)")
        return quantizer.decode(c)
    }

    public func logLikelihood(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                              rows: Int, into out: UnsafeMutableBufferPointer<Float>) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("out", out.count))
        guard rows > 0, let xs = x.baseAddress, let ps = params.baseAddress,
              let outs = out.baseAddress else { return }
        let k = parameterCount
        RowParallel.forEachChunk(rows: rows) { chunk in
            for r in chunk {
                let row = ps + r * k
                outs[r] = Float(Double(row[quantizer.quantize(xs[r])]) - logSumExp(row, count: k))
            }
        }
    }

    /// d log p / d w_j = [j == class] - softmax(w)_j.
    public func backward(x: UnsafeBufferPointer<Float>, params: UnsafeBufferPointer<Float>,
                         rows: Int, upstream: UnsafeBufferPointer<Float>,
                         paramsGradient: UnsafeMutableBufferPointer<Float>,
                         xGradient: UnsafeMutableBufferPointer<Float>?) {
        checkRows(rows, params: params, vectors: ("x", x.count), ("upstream", upstream.count))
        precondition(paramsGradient.count >= rows * parameterCount,
                     "\(Self.self): paramsGradient holds \(paramsGradient.count) floats, "
                        + "\(rows) rows x \(parameterCount) parameters need \(rows * parameterCount)")
        guard rows > 0, let xs = x.baseAddress, let ps = params.baseAddress,
              let us = upstream.baseAddress, let gps = paramsGradient.baseAddress else { return }
        let k = parameterCount
        RowParallel.forEachChunk(rows: rows) { chunk in
            for r in chunk {
                let row = ps + r * k
                let grad = gps + r * k
                let g = Double(us[r])
                let logNormaliser = logSumExp(row, count: k)
                for j in 0..<k { grad[j] -= Float(g * exp(Double(row[j]) - logNormaliser)) }
                grad[quantizer.quantize(xs[r])] += Float(g)
            }
        }
    }

    /// Draws a class from softmax(w / temperature) by Gumbel-max and returns its centre value.
    /// Temperature 0 returns the most probable class (argmax w, first on ties). Every call
    /// consumes exactly 256 uniforms whatever the temperature.
    public func sample(params: UnsafeBufferPointer<Float>, rng: inout Philox,
                       temperature: Float) -> Float {
        checkTemperature(temperature)
        precondition(params.count >= parameterCount,
                     "\(Self.self): a row needs \(parameterCount) parameters, got \(params.count)")
        let t = Double(temperature)
        var chosen = 0
        var bestScore = -Double.infinity
        var bestLogit = -Float.infinity
        for j in 0..<parameterCount {
            let gumbel = -log(-log(Double(rng.nextUniform())))
            if t == 0 {
                if params[j] > bestLogit { bestLogit = params[j]; chosen = j }
            } else {
                let score = Double(params[j]) / t + gumbel
                if score > bestScore { bestScore = score; chosen = j }
            }
        }
        return quantizer.decode(chosen)
    }
}
