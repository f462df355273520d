/// The input history a causal dilated convolution needs for one-step (cached) sampling: for
/// each batch item, exactly the last `(k-1)*d` input columns, in a ring buffer
/// (fast-wavenet, DESIGN §3).
///
/// Usage, per generated time step t: `conv.step(x_t, queue: &queue)` reads x[t - j*d] for
/// j = 1...k-1 from the queue, computes the output for t, then pushes x_t (evicting
/// x[t - (k-1)*d]). A fresh queue holds zeros, which is the causal conv's zero padding for
/// negative times, so stepping from t = 0 reproduces the full convolution.
///
/// A value type: copying a queue snapshots the sampler state.
public struct ConvQueue: Sendable {
    public let batch: Int
    public let channels: Int
    public let kernelSize: Int
    public let dilation: Int
    /// Past columns kept per batch item: (k-1)*d.
    public var length: Int { (kernelSize - 1) * dilation }

    /// [batch, length, channels]; item b's ring slot s starts at (b * length + s) * channels.
    private var history: [Float]
    /// The ring slot the next input goes to, which is also the oldest entry.
    private var next = 0
    /// Scratch [batch, kernelSize * channels]: the gathered window [x[t-(k-1)d] | ... | x[t]].
    private var window: [Float]

    public init(batch: Int, channels: Int, kernelSize: Int, dilation: Int) {
        precondition(batch > 0 && channels > 0 && kernelSize > 0 && dilation > 0,
                     "ConvQueue: sizes must be positive (batch \(batch), channels \(channels), k \(kernelSize), d \(dilation))")
        self.batch = batch
        self.channels = channels
        self.kernelSize = kernelSize
        self.dilation = dilation
        history = [Float](repeating: 0, count: batch * (kernelSize - 1) * dilation * channels)
        window = [Float](repeating: 0, count: batch * kernelSize * channels)
    }

    /// Forgets the history (back to zero padding).
    public mutating func reset() {
        history.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        next = 0
    }

    /// The input `stepsAgo` steps back (1...length) for item `item`, as a copy (tests).
    public func past(item: Int, stepsAgo: Int) -> [Float] {
        precondition(stepsAgo >= 1 && stepsAgo <= length, "ConvQueue.past: stepsAgo \(stepsAgo) not in 1...\(length)")
        let start = (item * length + slot(stepsAgo: stepsAgo)) * channels
        return Array(history[start..<start + channels])
    }

    @inline(__always)
    private func slot(stepsAgo s: Int) -> Int {
        let i = next - s
        return i < 0 ? i + length : i
    }

    /// Gathers the window for input `x` ([batch, channels]), calls `body` with it
    /// ([batch, kernelSize * channels], tap-major as the conv weight's rows), then pushes `x`.
    mutating func withWindow(pushing x: UnsafePointer<Float>, _ body: (UnsafePointer<Float>) -> Void) {
        let (k, c, d, len) = (kernelSize, channels, dilation, length)
        let next = self.next
        history.withUnsafeMutableBufferPointer { hist in
            window.withUnsafeMutableBufferPointer { win in
                // Non-empty by construction: batch, kernelSize, channels > 0.
                guard let w = win.baseAddress else { preconditionFailure("ConvQueue: empty window") }
                for b in 0..<batch {
                    let row = w + b * k * c
                    for j in 0..<k {
                        let s = (k - 1 - j) * d
                        if s == 0 {
                            (row + j * c).update(from: x + b * c, count: c)
                        } else {
                            let i = next - s
                            let slot = i < 0 ? i + len : i
                            guard let h = hist.baseAddress else { continue }
                            (row + j * c).update(from: h + (b * len + slot) * c, count: c)
                        }
                    }
                }
                body(UnsafePointer(w))
                if len > 0, let h = hist.baseAddress {
                    for b in 0..<batch { (h + (b * len + next) * c).update(from: x + b * c, count: c) }
                }
            }
        }
        if len > 0 { self.next = next + 1 == len ? 0 : next + 1 }
    }
}
