import NeuralLayers
import Tensors

/// The state of one cached (fast-wavenet) sampling call, allocated once (issue #4): every
/// layer's `ResidualBlock.Stepper` (weight copies, the dilated conv's input history, scratch),
/// the input and head weights, and the rows one step passes along. A step then allocates nothing
/// and calls BLAS on raw pointers: per layer one product of x_t with the dilated conv's last tap
/// (its past taps are computed d steps ahead, `BlockedStepConv`), one for the skip and one for
/// the residual projection (`StepProduct`: GEMV per item up to B = 4, GEMM above).
///
/// The conditioning term of every layer (dilated bias + c W_cond) does not depend on the
/// samples, so it is computed ahead for a block of `chunk` steps at a time: one GEMM per layer
/// and item with M = chunk, instead of a GEMV per layer and step (which would stream the 2 MB
/// of conditioning weights of the full teacher through the cache at every step).
///
/// Memory layout of the preactivations: [chunk, layer, batch, gate], so that the B rows a
/// layer needs at one step are contiguous.
struct CachedSamplingState {
    let batch: Int
    let residualChannels: Int
    let skipChannels: Int
    let parameterCount: Int
    let gateChannels: Int
    let conditionChannels: Int
    /// Steps whose preactivations are computed at once.
    let chunk: Int

    var blocks: [ResidualBlock.Stepper]
    /// The input 1x1 conv: weight [1, Cres] (x_{t-1}) or [2, Cres] (x_{t-1}, then x~_t), bias [Cres].
    let inputWeight: FloatBuffer
    let inputBias: FloatBuffer
    /// Head: [Cskip, Cskip] and [Cskip]; [Cskip, P] and [P].
    let hiddenWeight: FloatBuffer
    let hiddenBias: FloatBuffer
    let outputWeight: FloatBuffer
    let outputBias: FloatBuffer

    /// Rows of one step: the residual stream [B, Cres], the skip sum [B, Cskip], the head's
    /// hidden layer [B, Cskip] and its output θ [B, P].
    let residual: FloatBuffer
    let skip: FloatBuffer
    let hidden: FloatBuffer
    let params: FloatBuffer
    /// [chunk, L, B, G].
    let preactivations: FloatBuffer

    /// Preactivation floats kept at once (4 MiB): a block of steps, but small enough to stay
    /// in the last-level cache between its GEMMs and its steps.
    static let preactivationBudget = 1 << 20

    /// - Parameter chunk: steps per block of preactivations (default: as many as fit the budget,
    ///   at most 256; tests use small ones to cross block boundaries).
    init(_ net: WaveNet, batch: Int, chunk: Int? = nil) {
        precondition(batch > 0, "cached sampling: batch must be positive, got \(batch)")
        let config = net.config
        self.batch = batch
        residualChannels = config.residualChannels
        skipChannels = config.skipChannels
        parameterCount = net.parameterCount
        gateChannels = config.gateChannels
        conditionChannels = net.conditionChannels
        let perStep = max(1, net.blocks.count * batch * config.gateChannels)
        self.chunk = max(1, chunk ?? min(256, Self.preactivationBudget / perStep))
        blocks = net.blocks.map { ResidualBlock.Stepper($0, batch: batch) }
        inputWeight = FloatBuffer(copying: net.input.weight.value)
        inputBias = FloatBuffer(copying: net.input.bias?.value ?? Tensor(shape: [config.residualChannels]))
        hiddenWeight = FloatBuffer(copying: net.hidden.weight.value)
        hiddenBias = FloatBuffer(copying: net.hidden.bias?.value ?? Tensor(shape: [config.skipChannels]))
        outputWeight = FloatBuffer(copying: net.output.weight.value)
        outputBias = FloatBuffer(copying: net.output.bias?.value ?? Tensor(shape: [net.parameterCount]))
        residual = FloatBuffer(count: batch * config.residualChannels)
        skip = FloatBuffer(count: batch * config.skipChannels)
        hidden = FloatBuffer(count: batch * config.skipChannels)
        params = FloatBuffer(count: batch * net.parameterCount)
        preactivations = FloatBuffer(count: self.chunk * perStep)
    }

    /// Fills the preactivations of steps t0 ..< t0 + count (count <= chunk) from the
    /// conditioning c `[B, T, Cmel]` (pointer `c`, length T).
    func prepare(condition c: UnsafePointer<Float>, length: Int, from t0: Int, count: Int) {
        precondition(count <= chunk && t0 + count <= length, "cached sampling: bad chunk \(t0)+\(count) of \(length)")
        let (layers, g, cm) = (blocks.count, gateChannels, conditionChannels)
        let rowStride = layers * batch * g
        for (l, block) in blocks.enumerated() {
            for b in 0..<batch {
                block.projectCondition(c + (b * length + t0) * cm, cStride: cm, rows: count,
                                       into: preactivations.base + (l * batch + b) * g, hStride: rowStride)
            }
        }
    }

    /// One step: from the previous samples x_{t-1} (`[B]`) and, with a pitch lag, the lagged
    /// samples x~_t (`[B]`) to θ_t (`[B, P]`, valid until the next step). `offset` is t's position
    /// in the current chunk (see `prepare`).
    mutating func step(previous: UnsafePointer<Float>, lagged: UnsafePointer<Float>? = nil,
                       offset: Int) -> UnsafePointer<Float> {
        let (cres, cskip, p, g) = (residualChannels, skipChannels, parameterCount, gateChannels)
        // h_0 = x_{t-1} W_in[0] (+ x~_t W_in[1]) + b_in (the input shift: step t sees x_{t-1}).
        for b in 0..<batch {
            let row = residual.base + b * cres
            row.update(from: inputBias.base, count: cres)
            Ops.axpy(previous[b], inputWeight.base, row, count: cres)
            if let lagged { Ops.axpy(lagged[b], inputWeight.base + cres, row, count: cres) }
        }
        skip.base.update(repeating: 0, count: batch * cskip)
        let last = blocks.count - 1
        let chunkRow = preactivations.base + offset * blocks.count * batch * g
        for l in blocks.indices {
            blocks[l].step(residual: residual.base, preactivation: chunkRow + l * batch * g, skip: skip.base,
                           updateResidual: l != last)
        }
        // θ = relu(relu(skip) W_hidden + b_hidden) W_out + b_out.
        Ops.relu(skip.base, skip.base, count: batch * cskip)
        for b in 0..<batch { (hidden.base + b * cskip).update(from: hiddenBias.base, count: cskip) }
        StepProduct.multiply(rows: batch, x: skip.base, xStride: cskip, weights: hiddenWeight.base, inputs: cskip,
                             outputs: cskip, beta: 1, y: hidden.base, yStride: cskip)
        Ops.relu(hidden.base, hidden.base, count: batch * cskip)
        for b in 0..<batch { (params.base + b * p).update(from: outputBias.base, count: p) }
        StepProduct.multiply(rows: batch, x: hidden.base, xStride: cskip, weights: outputWeight.base, inputs: cskip,
                             outputs: p, beta: 1, y: params.base, yStride: p)
        return UnsafePointer(params.base)
    }
}
