import Foundation
import TernLM

/// A prompt with how well a weak and a strong model answered it (0…1, e.g. 1 for a right answer),
/// one line of a router's training data:
///
///     {"prompt": "What is 17 * 3?", "weak": 0, "strong": 1}
public struct RoutingExample: Sendable, Codable, Hashable {
    public var prompt: String
    public var weak: Double
    public var strong: Double
    public init(prompt: String, weak: Double, strong: Double) {
        self.prompt = prompt
        self.weak = weak
        self.strong = strong
    }

    /// One example per non-empty line; a bad line is named by its number.
    public static func load(jsonl path: String) throws -> [RoutingExample] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LMError.invalidRequest("cannot read \(path): check the path")
        }
        var out: [RoutingExample] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let e = try? JSONDecoder().decode(RoutingExample.self, from: Data(line.utf8)) else {
                throw LMError.invalidRequest("\(path):\(i + 1): expected {\"prompt\": text, \"weak\": number, \"strong\": number}")
            }
            out.append(e)
        }
        guard !out.isEmpty else { throw LMError.invalidRequest("\(path) holds no examples") }
        return out
    }
}

/// RoRF's four classes for a prompt, from whether each model's score reaches `threshold`.
public enum RoutingLabel: Int, Sendable, Codable, CaseIterable {
    case neither = 0, weakWins = 1, strongWins = 2, both = 3

    public init(weak: Double, strong: Double, threshold: Double = 0.5) {
        switch (weak >= threshold, strong >= threshold) {
        case (false, false): self = .neither
        case (true, false): self = .weakWins
        case (false, true): self = .strongWins
        case (true, true): self = .both
        }
    }
}

/// A RoRF router (Not Diamond's "routing on random forests"): a random forest over prompt
/// embeddings predicts the four `RoutingLabel`s. The strong model is worth its cost only where it
/// alone answers well, so P(prefer strong) is the forest's probability of `strongWins`; a prompt
/// goes to the strong model when that exceeds a threshold, which `threshold(forShare:)` picks
/// for a target share of strong calls.
public struct RoRFRouter: Sendable, Codable, Equatable {
    /// The embedding model the forest was trained on (queries must use the same).
    public var embeddingModel: String
    public var weak: String
    public var strong: String
    public var forest: RandomForest
    /// P(prefer strong) of the training prompts, sorted: calibrates thresholds.
    public var calibration: [Double]

    public static func train(examples: [RoutingExample], embeddings: [[Float]], embeddingModel: String, weak: String, strong: String,
                             parameters: RandomForest.Parameters = .init()) -> RoRFRouter {
        precondition(examples.count == embeddings.count, "one embedding per example")
        let labels = examples.map { RoutingLabel(weak: $0.weak, strong: $0.strong).rawValue }
        let forest = RandomForest.train(x: embeddings, y: labels, classes: RoutingLabel.allCases.count, parameters: parameters)
        var router = RoRFRouter(embeddingModel: embeddingModel, weak: weak, strong: strong, forest: forest, calibration: [])
        router.calibration = embeddings.map { router.preferStrong($0) }.sorted()
        return router
    }

    public func preferStrong(_ embedding: [Float]) -> Double {
        forest.probabilities(embedding)[RoutingLabel.strongWins.rawValue]
    }

    /// The threshold that sends about `share` (0…1) of the calibration prompts to the strong
    /// model (those with P above it).
    public func threshold(forShare share: Double) -> Double {
        Self.threshold(forShare: share, among: calibration)
    }

    package static func threshold(forShare share: Double, among sorted: [Double]) -> Double {
        guard !sorted.isEmpty, share > 0 else { return 1 }
        guard share < 1 else { return -1 }
        let strongCount = Int((share * Double(sorted.count)).rounded())
        let cut = sorted.count - strongCount  // the strongCount largest lie at cut...
        guard cut > 0 else { return -1 }
        guard cut < sorted.count else { return 1 }
        return (sorted[cut - 1] + sorted[cut]) / 2
    }
}
