import TernKernels

/// A LayerNorm's weight and bias (GPT-2, Falcon, Bloom), applied to one row.
struct LayerNormWeights {
    let weight: UnsafePointer<Float>  // (C)
    let bias: UnsafePointer<Float>    // (C)

    func callAsFunction(_ x: UnsafePointer<Float>, eps: Float, out: UnsafeMutablePointer<Float>, dim: Int) {
        layerNorm(x, weight: weight, bias: bias, eps: eps, out: out, dim: dim)
    }
}

extension WeightLoader {
    /// `NAME.weight` and `NAME.bias`, `count` floats each.
    func layerNorm(_ name: String, count: Int) throws -> LayerNormWeights {
        LayerNormWeights(weight: try vector(name + ".weight", count: count), bias: try vector(name + ".bias", count: count))
    }
}
