import Randomness
import SignalProcessing
import Tensors

/// Features small enough for exhaustive tests of the mel-derived priors: 3 mel bands of a
/// 32-point FFT, hop 4.
let tinyFeatures: FeatureConfig = {
    var f = FeatureConfig()
    f.fftLength = 32
    f.windowLength = 32
    f.hopLength = 4
    f.melBandCount = 3
    return f
}()

/// A mel (hop 4, 3 bands) whose frames repeat one random spectrum per item: the predictor is
/// then one stable filter (Levinson), so sampled waveforms stay in range (a filter switched every
/// 4 samples among random spectra need not be stable).
func steadyMel(batch: Int, length: Int, seed: UInt64) -> Tensor {
    var rng = Philox(seed: seed)
    let frames = length / 4 + 1
    let spectra = rng.normals(batch * 3, scale: 0.3).map { $0 - 3.5 }
    return Tensor(shape: [batch, frames, 3], scalars: (0..<(batch * frames * 3)).map { i in
        spectra[(i / (frames * 3)) * 3 + i % 3]
    })
}
