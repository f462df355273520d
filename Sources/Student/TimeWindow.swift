import Tensors

/// Time windows of sequence tensors `[B, T, C]`: cropping, its adjoint (zero padding), and
/// writing a window back.
enum TimeWindow {
    /// x[:, start ..< start + length, :] as a new `[B, length, C]` tensor.
    static func crop(_ x: Tensor, from start: Int, length: Int) -> Tensor {
        let (batch, full, c) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(start >= 0 && length >= 0 && start + length <= full,
                     "TimeWindow.crop: window \(start) ..< \(start + length) outside 0 ..< \(full)")
        if start == 0 && full == length { return x }
        var y = Tensor(shape: [batch, length, c])
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch {
                    (py + b * length * c).update(from: px + (b * full + start) * c, count: length * c)
                }
            }
        }
        return y
    }

    /// The adjoint of `crop(_, from: 0, length:)`: x `[B, T, C]` followed by zeros up to `length` steps.
    static func pad(_ x: Tensor, toLength length: Int) -> Tensor {
        let (batch, short, c) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(length >= short, "TimeWindow.pad: cannot pad \(short) steps to \(length)")
        if short == length { return x }
        var y = Tensor(shape: [batch, length, c])
        x.withPointer { px in
            y.withMutablePointer { py in
                for b in 0..<batch { (py + b * length * c).update(from: px + b * short * c, count: short * c) }
            }
        }
        return y
    }

    /// Writes steps `from ..< from + count` of `src` `[B, Ts, C]` into steps `to ..< to + count`
    /// of `dst` `[B, Td, C]`.
    static func copy(_ src: Tensor, from: Int, into dst: inout Tensor, to: Int, count: Int) {
        let (batch, ts, c) = (src.shape[0], src.shape[1], src.shape[2])
        let td = dst.shape[1]
        precondition(dst.shape[0] == batch && dst.shape[2] == c && from + count <= ts && to + count <= td,
                     "TimeWindow.copy: \(src.shape)[\(from) ..< \(from + count)] into \(dst.shape)[\(to) ...]")
        src.withPointer { ps in
            dst.withMutablePointer { pd in
                for b in 0..<batch {
                    (pd + (b * td + to) * c).update(from: ps + (b * ts + from) * c, count: count * c)
                }
            }
        }
    }
}
