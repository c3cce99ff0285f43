import Foundation

/// Standard normal draws by Marsaglia and Tsang's ziggurat (J. Stat. Softw. 5(8), 2000) with
/// 128 layers: 98.8 % of draws are one comparison with a table and one multiplication, no
/// transcendental function. Each draw takes 64 random bits: 7 for the layer, 1 for the sign
/// and 53 for the position in the layer, separate bits, so the layer and the value are
/// independent. The rare draws in a wedge or in the tail use `PortableLog`. The tables are
/// computed here, once, and handed to the kernels (`kernels/philox.cl`), which run the same
/// steps, so both sides draw the same bits.
public enum Ziggurat {
    public static let layers = 128
    /// Where the tail begins, and the area of every layer (Marsaglia and Tsang, N = 128).
    @usableFromInline static let r = 3.442619855899
    @usableFromInline static let area = 9.91256303526217e-3

    /// x[i]: right edge of layer i (x[0] is the base layer's equivalent width v / f(r),
    /// x[1] = r, decreasing to x[128] = 0). f[i] = exp(-x[i]^2 / 2) (f[0] = f(r), f[128] = 1).
    public static let x: [Double] = {
        var x = [Double](repeating: 0, count: layers + 1)
        x[0] = area / density(r)
        x[1] = r
        for i in 1..<(layers - 1) {
            x[i + 1] = (-2 * Foundation.log(density(x[i]) + area / x[i])).squareRoot()
        }
        x[layers] = 0
        return x
    }()
    public static let f: [Double] = {
        var f = x.map(density)
        f[0] = density(r)
        f[layers] = 1
        return f
    }()

    static func density(_ x: Double) -> Double { exp(-0.5 * x * x) }

    /// The 64-bit words of one counter: the blocks (counter.0, .1, .2, .3 | retry << 24) for
    /// retry = 0, 1, ..., two words per draw (callers keep counter.3 below 2^24).
    @usableFromInline struct Words {
        @usableFromInline let counter: Philox.Counter
        @usableFromInline let key: Philox.Key
        @usableFromInline var block: Philox.Counter
        @usableFromInline var retry: UInt32 = 0
        @usableFromInline var used = 0

        @inlinable init(_ counter: Philox.Counter, _ key: Philox.Key) {
            self.counter = counter
            self.key = key
            block = Philox.block(counter, key)
        }

        @inlinable @inline(__always)
        mutating func next() -> UInt64 {
            if used == 4 {
                retry &+= 1
                block = Philox.block((counter.0, counter.1, counter.2, counter.3 | retry << 24), key)
                used = 0
            }
            used += 2
            return used == 2 ? UInt64(block.0) << 32 | UInt64(block.1) : UInt64(block.2) << 32 | UInt64(block.3)
        }
    }

    /// One standard normal value from the word stream.
    @inlinable @inline(__always)
    static func draw(_ words: inout Words) -> Double {
        while true {
            let bits = words.next()
            let layer = Int(bits & 0x7F)
            let negative = bits & 0x80 != 0
            let z = Double(bits >> 11) * 0x1p-53 * x[layer]
            if z < x[layer + 1] { return negative ? -z : z }
            if let z = slowDraw(layer: layer, z: z, words: &words) { return negative ? -z : z }
        }
    }

    /// The tail beyond r (Marsaglia 1964), or the wedge of `layer` above its inner
    /// rectangle; nil when the point is rejected (the draw starts over).
    @usableFromInline @inline(never)
    static func slowDraw(layer: Int, z: Double, words: inout Words) -> Double? {
        if layer == 0 {
            while true {
                let a = -PortableLog.log(openUnit52(words.next())) / x[1]
                let b = -PortableLog.log(openUnit52(words.next()))
                if b + b > a * a { return x[1] + a }
            }
        }
        let y = f[layer] + Double(words.next() >> 11) * 0x1p-53 * (f[layer + 1] - f[layer])
        return PortableLog.log(y) < -0.5 * z * z ? z : nil
    }

    /// Uniform in (0, 1) from the top 52 bits; exact in double.
    @inline(__always)
    static func openUnit52(_ bits: UInt64) -> Double {
        (Double(bits >> 12) + 0.5) * 0x1p-52
    }
}
