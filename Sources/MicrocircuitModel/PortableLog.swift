/// The natural logarithm from IEEE basic operations only (+, -, *, / and bit moves, all
/// correctly rounded everywhere), so that the host and the kernels (`portable_log` in
/// `kernels/philox.cl`) compute the same bits. libm's `log` and OpenCL's `log` are each
/// accurate to an ulp or so but not to the same bits, and a normal draw (`Ziggurat`'s tail
/// and wedges) that differed in its last bit could quantise to a different weight or round
/// to a different delay.
///
/// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(t), t = (m - 1) / (m + 1),
/// |t| < 0.172, summed as the odd series to t^21 (truncation below 2^-56 relative); then
/// e * ln 2 with ln 2 split so that e * ln2High is exact. Within a few ulp of the true value.
public enum PortableLog {
    static let ln2High = 0x1.62e42fee00000p-1
    static let ln2Low = 0x1.a39ef35793c76p-33

    /// log x for a positive normal double x.
    @inline(__always)
    public static func log(_ x: Double) -> Double {
        let bits = x.bitPattern
        let fraction = bits & 0x000F_FFFF_FFFF_FFFF
        // 1 when the mantissa 1.fraction exceeds sqrt(2) (then m = mantissa / 2), computed with
        // integers: which half the mantissa falls in is a coin flip, too costly as a branch.
        let upper = (0x6_a09e_667f_3bcd &- fraction) >> 63
        let m = Double(bitPattern: fraction | (0x3FF &- upper) << 52)
        let e = Double(Int(truncatingIfNeeded: (bits >> 52) & 0x7FF) - 1023 + Int(truncatingIfNeeded: upper))
        let f = m - 1
        let t = f / (2 + f)
        let u = t * t
        // 1/3 + u/5 + ... + u^9/21 by Estrin's scheme (short dependency chains); the kernel
        // evaluates the same tree.
        let u2 = u * u
        let u4 = u2 * u2
        let u8 = u4 * u4
        let q0 = 0x1.5555555555555p-2 + 0x1.999999999999ap-3 * u
        let q1 = 0x1.2492492492492p-3 + 0x1.c71c71c71c71cp-4 * u
        let q2 = 0x1.745d1745d1746p-4 + 0x1.3b13b13b13b14p-4 * u
        let q3 = 0x1.1111111111111p-4 + 0x1.e1e1e1e1e1e1ep-5 * u
        let q4 = 0x1.af286bca1af28p-5 + 0x1.8618618618618p-5 * u
        let p = (q0 + q1 * u2) + (q2 + q3 * u2) * u4 + q4 * u8
        let twoT = 2 * t
        let logM = twoT + twoT * (u * p)
        return e * ln2High + (logM + e * ln2Low)
    }
}
