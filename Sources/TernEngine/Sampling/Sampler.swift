/// One step of a sampling chain: it narrows or reshapes the candidates. The last step picks a token.
/// Samplers run in llama.cpp's default order: penalties, top-k, top-p, min-p, temperature, then a draw.
public protocol Sampler {
    /// `history` holds the tokens generated or seen so far (for penalties).
    mutating func apply(_ candidates: inout Candidates, history: ArraySlice<Int>)
}
