import TernLM

/// Seeded instruction-following prompts: a writing task on a topic plus one or two verifiable
/// constraints that do not contradict each other, each prompt a pure function of (seed, index).
///
///     let p = InstructionPrompts(seed: 1).prompt(17)
///     p.text          // "Describe how bees make honey. Answer in at most 40 words."
///     p.constraints   // [.maxWords(40)]
public struct InstructionPrompts: Sendable {
    public struct Item: Sendable, Hashable {
        public var text: String
        public var constraints: [Constraint]
    }

    public let seed: UInt64
    public let topics: [String]
    public init(seed: UInt64, topics: [String] = Self.topics) {
        self.seed = seed
        self.topics = topics.isEmpty ? Self.topics : topics
    }

    static let tasks = [
        "Describe how %@ works.", "Explain %@ to a ten-year-old.", "Write a short note about %@.",
        "Give advice to someone learning about %@.", "Summarise why %@ matters.", "Write a product description for %@.",
    ]
    public static let topics = [
        "honey bees", "the water cycle", "solar panels", "public libraries", "bicycles", "volcanoes", "coffee",
        "the moon", "recycling", "rain forests", "chess", "bread baking", "electric cars", "the human heart",
        "tea", "mountains", "trains", "gardening", "the ocean", "music lessons", "maps", "clocks", "snow", "birds",
    ]

    /// Topics none of `topics` share, for measuring a model trained on `topics` on prompts it never saw.
    public static let heldOutTopics = [
        "lighthouses", "glaciers", "kites", "spiders", "umbrellas", "penguins", "lightning", "pottery",
        "submarines", "deserts", "windmills", "origami", "sailing boats", "earthquakes", "cheese", "telescopes",
    ]

    public func prompt(_ index: Int) -> Item {
        var rng = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let topic = topics.randomElement(using: &rng)!
        let task = Self.tasks.randomElement(using: &rng)!.replacingOccurrences(of: "%@", with: topic)
        let keyword = topic.split(separator: " ").last.map(String.init) ?? topic
        let pool: [Constraint] = [
            .maxWords([30, 40, 60].randomElement(using: &rng)!), .minWords([20, 30].randomElement(using: &rng)!),
            .paragraphs(2), .includes(keyword), .excludes("very"), .json, .lowercase, .bullets(3),
            .endsWith("That is all."),
        ]
        var chosen = [pool.randomElement(using: &rng)!]
        if Bool.random(using: &rng), let second = pool.shuffled(using: &rng).first(where: { Self.compatible(chosen[0], $0) }) {
            chosen.append(second)
        }
        return Item(text: ([task] + chosen.map(\.instruction)).joined(separator: " "), constraints: chosen)
    }

    /// Whether two constraints can hold at once (a JSON object has no paragraphs, bullets or
    /// closing phrase; word limits must leave room for each other; the closing phrase is not
    /// lowercase).
    package static func compatible(_ a: Constraint, _ b: Constraint) -> Bool {
        guard a.kind != b.kind else { return false }
        let layout: Set<String> = ["json", "paragraphs", "bullets", "ends_with"]
        if layout.contains(a.kind) && layout.contains(b.kind) { return false }
        if Set([a.kind, b.kind]) == ["lowercase", "ends_with"] { return false }  // "That is all." has a capital
        if case .maxWords(let hi) = a, case .minWords(let lo) = b { return lo < hi }
        if case .minWords(let lo) = a, case .maxWords(let hi) = b { return lo < hi }
        return true
    }
}
