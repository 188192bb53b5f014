import TernEngine

/// The engine's seeded random generator, for code that sees only TernLM (optimizers, searches)
/// and must pick the same examples on every run.
public typealias SeededGenerator = Xoshiro256
