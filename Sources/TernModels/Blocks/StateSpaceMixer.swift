import Foundation
import TernKernels

/// Mamba-2's mixer: a selective state-space layer in its state-space-duality (SSD) form. Per
/// token, one projection gives the gate z, the stream xBC and the step sizes dt; xBC goes through a
/// short causal depthwise convolution and SiLU, and splits into x (H heads of P), B and C (G
/// groups of N). Each head h keeps a state S_h (P × N) that decays by a scalar per token:
///
///     S_h ← exp(dt_h · A_h) · S_h + dt_h · x_h ⊗ B_g        y_h = S_h · C_g + D_h · x_h
///
/// then y · silu(z), an RMSNorm per group, and the output projection.
///
/// Decode runs that recurrence (`step`). Prefill runs the same thing in chunks (`chunk`): within a
/// chunk the outputs are a masked, decay-weighted attention-like product of C with B (the "dual"
/// form, matrix-shaped work), and only the chunk's end state is carried on. The two agree to float
/// rounding (tested). The state is fixed-size, so a token costs the same at any context length.
///
/// The cache holds per layer the convolution's last K − 1 inputs and the H × P × N state.
/// Shape letters: T tokens, C dim, E inner width (H·P), H heads, P head dim, G groups, N state
/// size, K convolution width.
struct StateSpaceMixer {
    let inProj: QuantMatrix               // (E + convDim + H, C): z, xBC, dt
    let convWeight: UnsafePointer<Float>  // (convDim, K)
    let convBias: UnsafePointer<Float>    // (convDim)
    let dtBias: UnsafePointer<Float>      // (H)
    let a: UnsafePointer<Float>           // (H): A = -exp(A_log)
    let d: UnsafePointer<Float>           // (H)
    let norm: UnsafePointer<Float>        // (E)
    let outProj: QuantMatrix              // (C, E)

    struct Shape {
        let inner, state, heads, groups, conv: Int
        let eps: Float
        var headDim: Int { inner / heads }
        var convDim: Int { inner + 2 * groups * state }
        var projected: Int { inner + convDim + heads }
        /// Floats of cache per layer: the convolution's window, then the heads' states.
        var stateFloats: Int { (conv - 1) * convDim + heads * headDim * state }
    }

    /// Tokens of one sequence processed with the chunked form at a time.
    static let chunkLength = 64

    /// Buffers sized for the batch: projected (T, E + convDim + H), xBC (T, convDim), dt (T, H), y (T, E).
    struct Buffers {
        let projected, xBC, dt, y: UnsafeMutablePointer<Float>
    }

    func callAsFunction(layer l: Int, _ xn: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, tokens T: Int, dim: Int,
                        shape s: Shape, placement: Placement, state: ModelState, buffers b: Buffers, pool: ThreadPool) {
        matmul(inProj, xn, b.projected, tokens: T, pool: pool, scratch: state.activations)  // (T, projected)
        // Runs of consecutive tokens of one sequence: chunked when longer than one token.
        var t0 = 0
        while t0 < T {
            let cache = placement.slot(t0).cache
            var t1 = t0 + 1
            while t1 < T && placement.slot(t1).cache === cache { t1 += 1 }
            let st = cache.state(layer: l)
            for t in t0..<t1 { convolve(t, s, window: st, b) }
            let ssm = st + (s.conv - 1) * s.convDim
            if t1 - t0 == 1 {
                pool.parallelFor(s.heads) { heads in for h in heads { step(t0, head: h, s, ssm, b) } }
            } else {
                for c0 in stride(from: t0, to: t1, by: Self.chunkLength) { chunk(c0..<min(t1, c0 + Self.chunkLength), s, ssm, b, pool) }
            }
            t0 = t1
        }
        let P = s.headDim, groupWidth = s.inner / s.groups
        for t in 0..<T {
            let y = b.y + t * s.inner, x = b.xBC + t * s.convDim, z = b.projected + t * s.projected
            for h in 0..<s.heads { for p in 0..<P { y[h * P + p] += d[h] * x[h * P + p] } }
            for i in 0..<s.inner { y[i] *= z[i] / (1 + expf(-z[i])) }  // · silu(z), before the norm
            for g in 0..<s.groups {
                rmsNorm(y + g * groupWidth, weight: norm + g * groupWidth, eps: s.eps, out: y + g * groupWidth, dim: groupWidth)
            }
        }
        matmul(outProj, b.y, out, tokens: T, pool: pool, scratch: state.activations)  // (T, C)
    }

    /// Token t's causal convolution over its xBC and the window of the K − 1 before it (oldest
    /// first, `window` rows of convDim), then SiLU into b.xBC; the window slides by one. Also the
    /// token's step sizes, dt = softplus(raw + bias).
    private func convolve(_ t: Int, _ s: Shape, window: UnsafeMutablePointer<Float>, _ b: Buffers) {
        let K = s.conv, width = s.convDim
        let input = b.projected + t * s.projected + s.inner, out = b.xBC + t * width
        for c in 0..<width {
            var sum: Float = 0
            for k in 0..<(K - 1) { sum += convWeight[c * K + k] * window[k * width + c] }
            sum += convWeight[c * K + K - 1] * input[c]
            let v = sum + convBias[c]
            out[c] = v / (1 + expf(-v))
        }
        if K > 1 {
            for k in 0..<(K - 2) { (window + k * width).update(from: window + (k + 1) * width, count: width) }
            (window + (K - 2) * width).update(from: input, count: width)
        }
        let raw = b.projected + t * s.projected + s.inner + width, dt = b.dt + t * s.heads
        for h in 0..<s.heads {
            let v = raw[h] + dtBias[h]
            dt[h] = v > 20 ? v : log1pf(expf(v))
        }
    }

    /// x, B, C of token t for head h (B and C of the head's group).
    @inline(__always)
    private func parts(_ t: Int, head h: Int, _ s: Shape, _ b: Buffers) -> (x: UnsafeMutablePointer<Float>, B: UnsafeMutablePointer<Float>, C: UnsafeMutablePointer<Float>) {
        let row = b.xBC + t * s.convDim, g = h / (s.heads / s.groups)
        return (row + h * s.headDim, row + s.inner + g * s.state, row + s.inner + s.groups * s.state + g * s.state)
    }

    /// The recurrence for one token and one head: the head's state decays, takes in dt · x ⊗ B,
    /// and is read by C (eight state entries at a time).
    private func step(_ t: Int, head h: Int, _ s: Shape, _ S: UnsafeMutablePointer<Float>, _ b: Buffers) {
        let P = s.headDim, N = s.state
        let (x, B, C) = parts(t, head: h, s, b)
        let dt = b.dt[t * s.heads + h], decay = expf(dt * a[h])
        let y = b.y + t * s.inner + h * P, Sh = S + h * P * N
        let raw = UnsafeMutableRawPointer(Sh), rawB = UnsafeRawPointer(B), rawC = UnsafeRawPointer(C)
        for p in 0..<P {
            let xdt = x[p] * dt, row = p * N
            var acc = SIMD8<Float>(), n = 0
            while n + 8 <= N {
                let offset = 4 * (row + n)
                let v = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * decay
                    + rawB.loadUnaligned(fromByteOffset: 4 * n, as: SIMD8<Float>.self) * xdt
                raw.storeBytes(of: v, toByteOffset: offset, as: SIMD8<Float>.self)
                acc += v * rawC.loadUnaligned(fromByteOffset: 4 * n, as: SIMD8<Float>.self)
                n += 8
            }
            var sum = acc.sum()
            while n < N {
                Sh[row + n] = Sh[row + n] * decay + B[n] * xdt
                sum += Sh[row + n] * C[n]
                n += 1
            }
            y[p] = sum
        }
    }

    /// The dual form over the tokens of one chunk of one sequence. With a_i = dt_i · A_h and the
    /// chunk's running sums s_i = a_1 + … + a_i (so the decay from j to i is exp(s_i − s_j)):
    ///
    ///     y_i = exp(s_i) · S·C_i  +  Σ_{j ≤ i} exp(s_i − s_j) (C_i · B_j) dt_j x_j
    ///     S  ← exp(s_L) · S  +  Σ_j exp(s_L − s_j) dt_j x_j ⊗ B_j
    private func chunk(_ range: Range<Int>, _ s: Shape, _ S: UnsafeMutablePointer<Float>, _ b: Buffers, _ pool: ThreadPool) {
        let L = range.count, P = s.headDim, N = s.state, perGroup = s.heads / s.groups
        // C_i · B_j of each group, j ≤ i, shared by the group's heads
        var cb = [Float](repeating: 0, count: s.groups * L * L)
        cb.withUnsafeMutableBufferPointer { cb in
            let cb = cb.baseAddress!
            pool.parallelFor(s.groups * L) { rows in
                for job in rows {
                    let g = job / L, i = job % L, Ci = parts(range.lowerBound + i, head: g * perGroup, s, b).C
                    for j in 0...i { cb[(g * L + i) * L + j] = dot(Ci, parts(range.lowerBound + j, head: g * perGroup, s, b).B, N) }
                }
            }
            pool.parallelFor(s.heads) { heads in
                var cum = [Float](repeating: 0, count: L), w = [Float](repeating: 0, count: L)
                for h in heads {
                    let g = h / perGroup
                    var run: Float = 0
                    for i in 0..<L {
                        run += b.dt[(range.lowerBound + i) * s.heads + h] * a[h]
                        cum[i] = run
                    }
                    let Sh = S + h * P * N
                    for i in 0..<L {
                        let t = range.lowerBound + i, (_, _, C) = parts(t, head: h, s, b)
                        let y = b.y + t * s.inner + h * P, decay = expf(cum[i])
                        for p in 0..<P { y[p] = decay * dot(Sh + p * N, C, N) }  // the state entering the chunk
                        for j in 0...i {
                            let tj = range.lowerBound + j
                            w[j] = expf(cum[i] - cum[j]) * cb[(g * L + i) * L + j] * b.dt[tj * s.heads + h]
                        }
                        for j in 0...i { axpy(w[j], parts(range.lowerBound + j, head: h, s, b).x, y, P) }
                    }
                    // The state leaving the chunk.
                    let total = cum[L - 1]
                    for p in 0..<P { scale(Sh + p * N, expf(total), N) }
                    for j in 0..<L {
                        let tj = range.lowerBound + j, (x, B, _) = parts(tj, head: h, s, b)
                        let f = expf(total - cum[j]) * b.dt[tj * s.heads + h]
                        for p in 0..<P { axpy(f * x[p], B, Sh + p * N, N) }
                    }
                }
            }
        }
    }
}
