import Foundation
import Tensors

/// The head parameters of the reference process x_t | x_<t ~ D(a * x_{t-1}, s) (x_{-1} = 0),
/// one row of `rowWidth` floats per step with the mean at `meanIndex`, log s at `logScaleIndex`
/// and zeros elsewhere, and the backward dθ -> dx (d mean_t / d x_{t-1} = a; log s is
/// constant). Shared by the closed-form test teachers, which differ only in their head's layout.
func autoregressiveReferenceParameters(audio x: Tensor, coefficient a: Float, scale: Float, rowWidth: Int,
                                       meanIndex: Int, logScaleIndex: Int) -> (params: Tensor, backward: (Tensor) -> Tensor) {
    let (batch, length) = (x.shape[0], x.shape[1])
    let logScale = Float(Foundation.log(Double(scale)))
    var params = Tensor(shape: [batch, length, rowWidth])
    for b in 0..<batch {
        for t in 0..<length {
            let r = (b * length + t) * rowWidth
            params.scalars[r + meanIndex] = t > 0 ? a * x.scalars[b * length + t - 1] : 0
            params.scalars[r + logScaleIndex] = logScale
        }
    }
    let backward: (Tensor) -> Tensor = { dParams in
        var dx = Tensor(shape: [batch, length, 1])
        for b in 0..<batch {
            for t in 1..<max(1, length) {
                dx.scalars[b * length + t - 1] = a * dParams.scalars[(b * length + t) * rowWidth + meanIndex]
            }
        }
        return dx
    }
    return (params, backward)
}
