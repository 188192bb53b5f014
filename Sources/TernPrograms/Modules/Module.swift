import TernLM

/// A step of an LM program: takes named inputs, gives a prediction. Programs are modules made of
/// modules; the `Predict`s inside them, found by name, are what optimizers tune.
///
///     struct QA: Module {
///         let answer = ChainOfThought(try! Signature("question -> answer"))
///         func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
///             try await answer.forward(inputs, context: context)
///         }
///     }
public protocol Module: Sendable {
    func forward(_ inputs: Example, context: ProgramContext) async throws -> Prediction
}

extension Module {
    public func callAsFunction(_ inputs: Example, context: ProgramContext) async throws -> Prediction {
        try await forward(inputs, context: context)
    }

    /// Every `Predict` inside this module, with its path of property names ("answer.predict"),
    /// found by reflection, in declaration order.
    public var namedPredictors: [(name: String, predictor: Predict)] {
        if let p = self as? Predict { return [("self", p)] }
        var found: [(String, Predict)] = []
        var seen = Set<ObjectIdentifier>()
        func walk(_ value: Any, _ path: String) {
            if let p = value as? Predict {
                if seen.insert(ObjectIdentifier(p)).inserted { found.append((path, p)) }
                return
            }
            for (i, child) in Mirror(reflecting: value).children.enumerated() {
                let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 } ?? "\(i)"
                walk(child.value, path.isEmpty ? label : path + "." + label)
            }
        }
        walk(self, "")
        return found
    }

    /// The tunable state of every predictor (instructions and demos), by name.
    public var state: [String: PredictorState] {
        Dictionary(namedPredictors.map { ($0.name, $0.predictor.state) }, uniquingKeysWith: { a, _ in a })
    }

    /// Puts back state taken from `state` (or loaded from a file).
    public func load(_ state: [String: PredictorState]) throws {
        for (name, p) in namedPredictors {
            guard let s = state[name] else { throw ProgramError.invalidProgramFile("no state for predictor '\(name)'") }
            p.state = s
        }
    }
}
