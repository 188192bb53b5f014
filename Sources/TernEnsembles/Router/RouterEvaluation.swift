/// How a router trades cost for quality on prompts whose weak and strong scores are known: route
/// the share s of prompts with the highest P(prefer strong) to the strong model, the rest to the
/// weak one, and average the scores of the chosen answers. PGR(s) (performance gap recovered) is
/// (quality − weak) / (strong − weak), and APGR (RouteLLM, Ong et al., 2024) is its average over
/// s from 0 to 1: 0.5 is what random routing gets, 1 a router that reaches the strong model's
/// quality at no cost.
///
///     let e = RouterEvaluation(preferStrong: p, examples: test)
///     e.curve(steps: 20)   // 21 points from 0% to 100% strong calls
///     e.apgr()
public struct RouterEvaluation: Sendable, Codable {
    public struct Point: Sendable, Codable, Hashable {
        /// Share of prompts sent to the strong model.
        public var strongShare: Double
        public var quality: Double
        public var pgr: Double
    }

    public let preferStrong: [Double]
    public let examples: [RoutingExample]

    public init(preferStrong: [Double], examples: [RoutingExample]) {
        precondition(preferStrong.count == examples.count && !examples.isEmpty, "one probability per example")
        self.preferStrong = preferStrong
        self.examples = examples
    }

    public var weakQuality: Double { examples.map(\.weak).reduce(0, +) / Double(examples.count) }
    public var strongQuality: Double { examples.map(\.strong).reduce(0, +) / Double(examples.count) }

    /// Quality when the `k` prompts with the highest P go to the strong model (ties broken by
    /// order, so the curve is deterministic).
    public func quality(strongCount k: Int) -> Double {
        let order = preferStrong.indices.sorted { preferStrong[$0] > preferStrong[$1] || (preferStrong[$0] == preferStrong[$1] && $0 < $1) }
        let strong = Set(order.prefix(k))
        return examples.indices.map { strong.contains($0) ? examples[$0].strong : examples[$0].weak }.reduce(0, +) / Double(examples.count)
    }

    public func curve(steps: Int = 20) -> [Point] {
        (0...steps).map { i in
            let share = Double(i) / Double(steps)
            let q = quality(strongCount: Int((share * Double(examples.count)).rounded()))
            return Point(strongShare: share, quality: q, pgr: pgr(q))
        }
    }

    func pgr(_ quality: Double) -> Double {
        let gap = strongQuality - weakQuality
        return gap == 0 ? 0 : (quality - weakQuality) / gap
    }

    /// The mean PGR over the strong share from 0 to 1 (trapezoids over `curve(steps:)`).
    public func apgr(steps: Int = 20) -> Double {
        let c = curve(steps: steps)
        return zip(c, c.dropFirst()).reduce(0) { $0 + ($1.0.pgr + $1.1.pgr) / 2 * ($1.1.strongShare - $1.0.strongShare) }
    }
}
