import CFFTW
import Synchronization

/// FFTW plans for real transforms of one size: r2c forward and c2r inverse (both unnormalised).
///
/// FFTW's planner is not thread-safe (and tests run in parallel), so plans are only created
/// under `planLock`, once per size, and kept for the life of the process (never destroyed, so
/// no lock is needed to execute them). Executing a plan on other arrays through the new-array
/// functions (`fftwf_execute_dft_r2c`) is thread-safe, provided the arrays have the alignment
/// of the planning arrays: both come from `fftwf_malloc` (see `FFTWBuffers`).
/// Plans use FFTW_ESTIMATE: MEASURE would time candidate algorithms and could pick different
/// ones from run to run, changing the last bits of results (DESIGN §7 wants reproducibility).
struct FFTWPlans: @unchecked Sendable {
    let size: Int
    let forward: OpaquePointer
    let inverse: OpaquePointer

    /// The plans for `size`-point real transforms, created on first use.
    static func forSize(_ size: Int) -> FFTWPlans {
        planLock.withLock { cache in
            if let plans = cache[size] { return plans }
            let buffers = FFTWBuffers(size: size)
            let flags = UInt32(FFTW_ESTIMATE)
            guard let forward = fftwf_plan_dft_r2c_1d(Int32(size), buffers.real, buffers.complex, flags),
                  let inverse = fftwf_plan_dft_c2r_1d(Int32(size), buffers.complex, buffers.real, flags) else {
                fatalError("FFTW could not plan a real transform of size \(size)")
            }
            let plans = FFTWPlans(size: size, forward: forward, inverse: inverse)
            cache[size] = plans
            return plans
        }
    }
}

private let planLock = Mutex<[Int: FFTWPlans]>([:])

/// One real and one complex array of an `n`-point real transform, allocated by `fftwf_malloc`
/// (SIMD-aligned as FFTW's new-array execute requires) and freed on release.
/// Not shared between threads: each transform call makes its own.
final class FFTWBuffers {
    let size: Int
    /// `size` floats.
    let real: UnsafeMutablePointer<Float>
    /// `size / 2 + 1` complex values.
    let complex: UnsafeMutablePointer<fftwf_complex>

    init(size: Int) {
        self.size = size
        guard let real = fftwf_alloc_real(size), let complex = fftwf_alloc_complex(size / 2 + 1) else {
            fatalError("fftwf_malloc failed for a transform of size \(size)")
        }
        self.real = real
        self.complex = complex
    }

    deinit {
        fftwf_free(real)
        fftwf_free(complex)
    }

    /// The complex array as interleaved (re, im) floats.
    var complexFloats: UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Float.self)
    }
}
