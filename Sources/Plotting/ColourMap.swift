/// A perceptually uniform colour map: a value in [0, 1] to a colour, by linear interpolation
/// (in RGB) between anchor colours spaced evenly over [0, 1].
public struct ColourMap: Sendable {
    /// Anchor colours, RGB in [0, 1], for the values 0, 1/(n-1), ..., 1.
    public let anchors: [(Double, Double, Double)]

    /// matplotlib's `magma` (Smith & van der Walt, BIDS): entries 0, 16, 32, ..., 240 and 255 of
    /// its 256-entry table (`_magma_data` in matplotlib's lib/matplotlib/_cm_listed.py, CC0).
    /// The anchors are placed evenly at i/16; in matplotlib entry e sits at e/255, at most 0.004
    /// away: invisible between anchors this close. The values are data, copied unchanged.
    public static let magma = ColourMap(anchors: [
        (0.001462, 0.000466, 0.013866), // 0
        (0.039608, 0.031090, 0.133515), // 16
        (0.113094, 0.065492, 0.276784), // 32
        (0.211718, 0.061992, 0.418647), // 48
        (0.316654, 0.071690, 0.485380), // 64
        (0.414709, 0.110431, 0.504662), // 80
        (0.512831, 0.148179, 0.507648), // 96
        (0.613617, 0.181811, 0.498536), // 112
        (0.716387, 0.214982, 0.475290), // 128
        (0.816914, 0.255895, 0.436461), // 144
        (0.904281, 0.319610, 0.388137), // 160
        (0.960949, 0.418323, 0.359630), // 176
        (0.986700, 0.535582, 0.382210), // 192
        (0.996096, 0.653659, 0.446213), // 208
        (0.996898, 0.769591, 0.534892), // 224
        (0.992440, 0.884330, 0.640099), // 240
        (0.987053, 0.991438, 0.749504), // 255
    ])

    public init(anchors: [(Double, Double, Double)]) {
        precondition(anchors.count >= 2, "ColourMap: needs at least two anchors")
        self.anchors = anchors
    }

    /// The colour of `value`, clamped to [0, 1] (NaN is 0).
    public func colour(_ value: Double) -> RGB {
        let v = value.isNaN ? 0 : min(max(value, 0), 1)
        let position = v * Double(anchors.count - 1)
        let i = min(Int(position), anchors.count - 2)
        let w = position - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        func byte(_ x: Double, _ y: Double) -> UInt8 { UInt8(((1 - w) * x + w * y) * 255 + 0.5) }
        return RGB(byte(a.0, b.0), byte(a.1, b.1), byte(a.2, b.2))
    }

    /// 256 colours for values 0/255 ... 255/255: the lookup table of the renderers.
    public func table() -> [RGB] { (0..<256).map { colour(Double($0) / 255) } }
}
