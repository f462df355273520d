/// The input history a causal dilated convolution needs for one-step (cached) sampling: for
/// each batch item, the last `(k-1)*d` input columns (fast-wavenet, DESIGN §3), stored so that
/// the conv's whole window [x[t-(k-1)d] | ... | x[t-d] | x[t]] is one contiguous run of k*C floats.
///
/// Usage, per generated time step t: `conv.step(x_t, queue: &queue)` pushes x_t, multiplies the
/// window ending at x_t by the weight, and the oldest column falls out. A fresh queue holds
/// zeros, which is the causal conv's zero padding for negative times, so stepping from t = 0
/// reproduces the full convolution.
///
/// Layout: the window of time t only holds times of the same phase t mod d, so each item keeps
/// d phase streams of `slots` = (k-1) + `roundsPerCopy` columns. Time t = round * d + phase goes
/// to slot (k-1) + round mod roundsPerCopy of its phase's stream, right after its k-1
/// predecessors; when a stream is full its last k-1 columns are copied back to its front. So a
/// step copies C floats (x_t) plus, on average, (k-1)/roundsPerCopy * C for the copy-back,
/// instead of gathering k*C floats (the remaining cost against a bare GEMV in issue #3), at
/// (k-1+roundsPerCopy)/(k-1) times the memory of a ring buffer: 2x for k = 3 with 2 rounds per copy-back,
/// which measured better than 8 at large d (the streams of a d = 512 queue then stay in L2).
///
/// A value type: copying a queue snapshots the sampler state.
public struct ConvQueue: Sendable {
    public let batch: Int
    public let channels: Int
    public let kernelSize: Int
    public let dilation: Int
    /// Past columns kept per batch item: (k-1)*d.
    public var length: Int { (kernelSize - 1) * dilation }

    /// Rounds between copy-backs: more costs memory (and cache misses at large d), fewer costs
    /// copies (C floats per step at 2, within the cache lines the step touches anyway).
    static let roundsPerCopy = 2
    /// Columns per phase stream.
    let slots: Int
    /// Floats from one batch item's streams to the next: the window's row stride for a GEMM.
    public var itemStride: Int { dilation * slots * channels }

    /// [batch, dilation (phase), slots, channels].
    private var streams: [Float]
    /// Inputs pushed so far, as phase (t mod d) and round (t div d) mod roundsPerCopy.
    private var phase = 0
    private var round = 0
    /// True once some stream has wrapped (round 0 again), i.e. a copy-back is due at round 0.
    private var wrapped = false
    private var pushed = 0

    public init(batch: Int, channels: Int, kernelSize: Int, dilation: Int) {
        precondition(batch > 0 && channels > 0 && kernelSize > 0 && dilation > 0,
                     "ConvQueue: sizes must be positive (batch \(batch), channels \(channels), k \(kernelSize), d \(dilation))")
        self.batch = batch
        self.channels = channels
        self.kernelSize = kernelSize
        self.dilation = dilation
        slots = kernelSize - 1 + Self.roundsPerCopy
        streams = [Float](repeating: 0, count: batch * dilation * slots * channels)
    }

    /// Forgets the history (back to zero padding).
    public mutating func reset() {
        streams.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        (phase, round, wrapped, pushed) = (0, 0, false, 0)
    }

    /// The input `stepsAgo` steps back (1...length) for item `item`, as a copy (tests); zeros
    /// before the first input.
    public func past(item: Int, stepsAgo: Int) -> [Float] {
        precondition(stepsAgo >= 1 && stepsAgo <= length, "ConvQueue.past: stepsAgo \(stepsAgo) not in 1...\(length)")
        let tau = pushed - stepsAgo
        guard tau >= 0 else { return [Float](repeating: 0, count: channels) }
        let (p, r) = (tau % dilation, tau / dilation)
        // The latest round of phase p, and the first round of its current copy epoch: rounds
        // before the epoch were copied back to the slots just below k-1.
        let latest = (pushed - 1 - p) / dilation
        let epochStart = latest / Self.roundsPerCopy * Self.roundsPerCopy
        let slot = kernelSize - 1 + r - epochStart
        let start = ((item * dilation + p) * slots + slot) * channels
        return Array(streams[start..<start + channels])
    }

    /// Pushes x (`[batch, channels]`) and calls `body` with the window ending at it: item b's
    /// k*C floats [x[t-(k-1)d] | ... | x[t]] (tap-major, as the conv weight's rows) start at
    /// `window + b * itemStride`.
    mutating func withWindow(pushing x: UnsafePointer<Float>, _ body: (UnsafePointer<Float>, Int) -> Void) {
        let (k, c, stride) = (kernelSize, channels, itemStride)
        let (phase, round) = (self.phase, self.round)
        let copyBack = round == 0 && wrapped && k > 1
        streams.withUnsafeMutableBufferPointer { buffer in
            // Non-empty by construction: every size is positive.
            guard let base = buffer.baseAddress else { preconditionFailure("ConvQueue: empty storage") }
            let first = base + phase * slots * c
            for b in 0..<batch {
                let stream = first + b * stride
                // The last k-1 columns of the previous epoch become the new window's past.
                if copyBack { stream.update(from: stream + Self.roundsPerCopy * c, count: (k - 1) * c) }
                (stream + (k - 1 + round) * c).update(from: x + b * c, count: c)
            }
            body(UnsafePointer(first + round * c), stride)
        }
        pushed += 1
        if phase + 1 < dilation {
            self.phase = phase + 1
        } else {
            self.phase = 0
            if round + 1 < Self.roundsPerCopy {
                self.round = round + 1
            } else {
                self.round = 0
                wrapped = true
            }
        }
    }
}
