import CKernels

/// Elementwise kernels (CKernels, AVX2/FMA), threaded over `Compute.threads` above a size
/// threshold. Pointer forms write `count` outputs (output may equal input); tensor forms return
/// a new tensor of the same shape.
public enum Ops {
    /// Below this many elements an op runs on the calling thread (thread hand-off costs ~10 µs).
    public static let parallelThreshold = 1 << 15

    /// Runs `kernel(offset, length)` over 0..<count in contiguous 64-element-aligned chunks.
    @inline(__always)
    static func chunked(_ count: Int, _ kernel: @Sendable (Int, Int) -> Void) {
        if count < parallelThreshold || Compute.threads == 1 {
            kernel(0, count)
            return
        }
        Compute.parallelRanges(count, minimumChunk: parallelThreshold / 2, alignment: 64) {
            kernel($0.lowerBound, $0.count)
        }
    }

    /// Applies a unary C kernel over pointers, chunked.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                    _ fn: @escaping @Sendable (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) {
        let px = SendablePointer(x), py = SendableMutablePointer(y)
        chunked(count) { offset, n in fn(px.base + offset, py.base + offset, n) }
    }

    @inline(__always)
    static func map(_ x: Tensor, _ fn: @escaping @Sendable (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        var y = Tensor(shape: x.shape)
        x.withPointer { px in y.withMutablePointer { py in map(px, py, x.count, fn) } }
        return y
    }

    // MARK: Transcendentals

    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_exp($0, $1, $2) }
    }
    public static func log(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_log($0, $1, $2) }
    }
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_tanh($0, $1, $2) }
    }
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_sigmoid($0, $1, $2) }
    }
    /// log(1 + exp(x)), stable for all x.
    public static func softplus(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_softplus($0, $1, $2) }
    }
    public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { wd_relu($0, $1, $2) }
    }

    public static func exp(_ x: Tensor) -> Tensor { map(x) { wd_exp($0, $1, $2) } }
    public static func log(_ x: Tensor) -> Tensor { map(x) { wd_log($0, $1, $2) } }
    public static func tanh(_ x: Tensor) -> Tensor { map(x) { wd_tanh($0, $1, $2) } }
    public static func sigmoid(_ x: Tensor) -> Tensor { map(x) { wd_sigmoid($0, $1, $2) } }
    public static func softplus(_ x: Tensor) -> Tensor { map(x) { wd_softplus($0, $1, $2) } }
    public static func relu(_ x: Tensor) -> Tensor { map(x) { wd_relu($0, $1, $2) } }

    // MARK: Derivatives from the forward output

    /// upstream * (1 - y^2) with y = tanh(x).
    public static func tanhBackward(output y: Tensor, upstream dy: Tensor) -> Tensor {
        binary(y, dy) { wd_tanh_backward($0, $1, $2, $3) }
    }
    /// upstream * y * (1 - y) with y = sigmoid(x).
    public static func sigmoidBackward(output y: Tensor, upstream dy: Tensor) -> Tensor {
        binary(y, dy) { wd_sigmoid_backward($0, $1, $2, $3) }
    }
    /// upstream where y > 0, else 0, with y = relu(x).
    public static func reluBackward(output y: Tensor, upstream dy: Tensor) -> Tensor {
        binary(y, dy) { wd_relu_backward($0, $1, $2, $3) }
    }

    // MARK: Gated activation: h is [.., 2C] = [a | b] on its last axis

    /// tanh(a) * sigmoid(b) over `rows` rows of [a | b] (2C floats each) into y ([rows, C]).
    /// `cache` ([rows, 2C] or nil) receives [tanh(a) | sigmoid(b)] for `gateBackward`.
    public static func gateForward(_ h: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   cache: UnsafeMutablePointer<Float>?, rows: Int, channels: Int) {
        let ph = SendablePointer(h), py = SendableMutablePointer(y)
        let pc = cache.map { SendableMutablePointer($0) }
        rowChunked(rows, rowLength: 2 * channels) { r0, n in
            wd_gate_forward(ph.base + r0 * 2 * channels, py.base + r0 * channels,
                            pc.map { $0.base + r0 * 2 * channels }, n, channels)
        }
    }

    /// dh ([rows, 2C]) from dy ([rows, C]) and the forward's cache [tanh(a) | sigmoid(b)].
    public static func gateBackward(cache: UnsafePointer<Float>, upstream dy: UnsafePointer<Float>,
                                    _ dh: UnsafeMutablePointer<Float>, rows: Int, channels: Int) {
        let pc = SendablePointer(cache), pdy = SendablePointer(dy), pdh = SendableMutablePointer(dh)
        rowChunked(rows, rowLength: 2 * channels) { r0, n in
            wd_gate_backward(pc.base + r0 * 2 * channels, pdy.base + r0 * channels,
                             pdh.base + r0 * 2 * channels, n, channels)
        }
    }

    /// Runs `kernel(firstRow, rowCount)` over row chunks when rows * rowLength is large.
    static func rowChunked(_ rows: Int, rowLength: Int, _ kernel: @Sendable (Int, Int) -> Void) {
        if rows * rowLength < parallelThreshold || Compute.threads == 1 {
            kernel(0, rows)
            return
        }
        let minimumRows = max(1, parallelThreshold / 2 / max(1, rowLength))
        Compute.parallelRanges(rows, minimumChunk: minimumRows) { kernel($0.lowerBound, $0.count) }
    }

    // MARK: Arithmetic

    @inline(__always)
    static func binary(_ a: Tensor, _ b: Tensor,
                       _ fn: @escaping @Sendable (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        precondition(a.shape == b.shape, "elementwise op on shapes \(a.shape) and \(b.shape)")
        var y = Tensor(shape: a.shape)
        a.withPointer { pa in
            b.withPointer { pb in
                y.withMutablePointer { py in
                    let sa = SendablePointer(pa), sb = SendablePointer(pb), sy = SendableMutablePointer(py)
                    chunked(a.count) { o, n in fn(sa.base + o, sb.base + o, sy.base + o, n) }
                }
            }
        }
        return y
    }

    public static func add(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b) { wd_add($0, $1, $2, $3) } }
    public static func subtract(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b) { wd_sub($0, $1, $2, $3) } }
    public static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor { binary(a, b) { wd_mul($0, $1, $2, $3) } }

    /// alpha * x.
    public static func scale(_ x: Tensor, by alpha: Float) -> Tensor {
        map(x) { wd_scale($0, alpha, $1, $2) }
    }

    /// y += alpha * x over pointers.
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let px = SendablePointer(x), py = SendableMutablePointer(y)
        chunked(count) { o, n in wd_axpy(alpha, px.base + o, py.base + o, n) }
    }

    /// y += alpha * x (same shapes).
    public static func axpy(_ alpha: Float, _ x: Tensor, _ y: inout Tensor) {
        precondition(x.shape == y.shape, "axpy on shapes \(x.shape) and \(y.shape)")
        let n = x.count
        x.withPointer { px in y.withMutablePointer { py in axpy(alpha, px, py, count: n) } }
    }

    /// y[r, c] += bias[c] for `rows` rows of `bias.count` columns.
    public static func addRowBias(_ y: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, columns: Int) {
        let py = SendableMutablePointer(y), pb = SendablePointer(bias)
        rowChunked(rows, rowLength: columns) { r0, n in
            wd_add_row_bias(py.base + r0 * columns, pb.base, n, columns)
        }
    }

    /// out[c] += sum over rows of x[r, c] (x is [rows, columns]; double accumulation).
    public static func accumulateColumnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                            into out: UnsafeMutablePointer<Float>) {
        wd_column_sums_accumulate(x, rows, columns, out)
    }
}
