import TernLM

/// A random forest classifier (Breiman, 2001) as scikit-learn's `RandomForestClassifier` builds
/// it: each tree is a CART tree grown on a bootstrap sample, splitting each node on the best Gini
/// threshold among a random subset of the features, within depth and leaf-size limits; the forest
/// predicts the mean of its trees' leaf class distributions. Training is seeded: the same data
/// and parameters give the same forest.
///
///     let forest = RandomForest.train(x: features, y: labels, classes: 4, parameters: .init(seed: 7))
///     forest.probabilities(features[0])   // [0.71, 0.04, 0.2, 0.05]
public struct RandomForest: Sendable, Codable, Equatable {
    public struct Parameters: Sendable, Codable, Equatable {
        public var trees = 100
        /// nil: grow until the leaves are pure or too small.
        public var maxDepth: Int? = 12
        public var minSamplesLeaf = 2
        public var minSamplesSplit = 2
        /// Features tried at each split; nil: ⌊√features⌋ (at least 1).
        public var maxFeatures: Int?
        public var bootstrap = true
        public var seed: UInt64 = 0
        public init(trees: Int = 100, maxDepth: Int? = 12, minSamplesLeaf: Int = 2, maxFeatures: Int? = nil,
                    bootstrap: Bool = true, seed: UInt64 = 0) {
            self.trees = trees
            self.maxDepth = maxDepth
            self.minSamplesLeaf = minSamplesLeaf
            self.maxFeatures = maxFeatures
            self.bootstrap = bootstrap
            self.seed = seed
        }
    }

    public let classes: Int
    public let features: Int
    public let parameters: Parameters
    public let trees: [DecisionTree]

    /// Grows the forest on rows `x` (all of one width) with labels `y` in 0..<classes.
    public static func train(x: [[Float]], y: [Int], classes: Int, parameters: Parameters = Parameters()) -> RandomForest {
        precondition(!x.isEmpty && x.count == y.count, "one label per row, at least one row")
        precondition(y.allSatisfy { (0..<classes).contains($0) }, "labels must lie in 0..<\(classes)")
        let width = x[0].count
        let tried = min(width, max(1, parameters.maxFeatures ?? Int(Double(width).squareRoot())))
        var trees: [DecisionTree] = []
        for t in 0..<parameters.trees {
            // Each tree has its own stream, so tree t does not depend on how many came before.
            var rng = SeededGenerator(seed: parameters.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(t))
            let rows = parameters.bootstrap ? (0..<x.count).map { _ in Int.random(in: 0..<x.count, using: &rng) } : Array(0..<x.count)
            var grower = TreeGrower(x: x, y: y, classes: classes, tried: tried, parameters: parameters, rng: rng)
            trees.append(grower.grow(rows))
        }
        return RandomForest(classes: classes, features: width, parameters: parameters, trees: trees)
    }

    /// The mean of the trees' class distributions at the leaves `row` falls into.
    public func probabilities(_ row: [Float]) -> [Double] {
        var p = [Double](repeating: 0, count: classes)
        for tree in trees {
            for (c, v) in tree.leaf(row).enumerated() { p[c] += v }
        }
        return p.map { $0 / Double(max(1, trees.count)) }
    }

    /// The most probable class (the lowest index on a tie, as scikit-learn's argmax).
    public func predict(_ row: [Float]) -> Int {
        let p = probabilities(row)
        return p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) } ?? 0
    }
}

/// One CART tree: internal nodes send a row left when `row[feature] <= threshold`.
public struct DecisionTree: Sendable, Codable, Equatable {
    public struct Node: Sendable, Codable, Equatable {
        /// -1 at a leaf.
        public var feature: Int
        public var threshold: Float
        public var left: Int, right: Int
        /// At a leaf: the class distribution of its training rows.
        public var value: [Double]
    }

    public var nodes: [Node]

    public func leaf(_ row: [Float]) -> [Double] {
        var i = 0
        while nodes[i].feature >= 0 { i = row[nodes[i].feature] <= nodes[i].threshold ? nodes[i].left : nodes[i].right }
        return nodes[i].value
    }

    public var depth: Int {
        func depth(_ i: Int) -> Int { nodes[i].feature < 0 ? 0 : 1 + max(depth(nodes[i].left), depth(nodes[i].right)) }
        return depth(0)
    }
}

/// Grows one tree depth-first from a (bootstrap) list of row indices.
struct TreeGrower {
    let x: [[Float]], y: [Int], classes: Int, tried: Int, parameters: RandomForest.Parameters
    var rng: SeededGenerator
    var nodes: [DecisionTree.Node] = []

    init(x: [[Float]], y: [Int], classes: Int, tried: Int, parameters: RandomForest.Parameters, rng: SeededGenerator) {
        self.x = x
        self.y = y
        self.classes = classes
        self.tried = tried
        self.parameters = parameters
        self.rng = rng
    }

    mutating func grow(_ rows: [Int]) -> DecisionTree {
        nodes = []
        _ = node(rows, depth: 0)
        return DecisionTree(nodes: nodes)
    }

    private func counts(_ rows: [Int]) -> [Int] {
        var c = [Int](repeating: 0, count: classes)
        for r in rows { c[y[r]] += 1 }
        return c
    }

    /// Adds the subtree for `rows` and returns its index.
    private mutating func node(_ rows: [Int], depth: Int) -> Int {
        let index = nodes.count
        let c = counts(rows)
        nodes.append(.init(feature: -1, threshold: 0, left: -1, right: -1, value: c.map { Double($0) / Double(rows.count) }))
        let pure = c.filter { $0 > 0 }.count <= 1
        if pure || depth == parameters.maxDepth || rows.count < max(parameters.minSamplesSplit, 2 * parameters.minSamplesLeaf) {
            return index
        }
        guard let (feature, threshold) = bestSplit(rows, counts: c) else { return index }
        let left = rows.filter { x[$0][feature] <= threshold }, right = rows.filter { x[$0][feature] > threshold }
        let l = node(left, depth: depth + 1), r = node(right, depth: depth + 1)
        nodes[index].feature = feature
        nodes[index].threshold = threshold
        nodes[index].left = l
        nodes[index].right = r
        return index
    }

    /// The (feature, threshold) among `tried` random features whose split leaves the lowest
    /// weighted Gini impurity, both sides keeping `minSamplesLeaf` rows; nil if none can split.
    private mutating func bestSplit(_ rows: [Int], counts total: [Int]) -> (Int, Float)? {
        var features = Array(0..<x[0].count)
        features.shuffle(using: &rng)
        let n = rows.count, minLeaf = parameters.minSamplesLeaf
        var best: (score: Double, feature: Int, threshold: Float)?
        for feature in features.prefix(tried) {
            let sorted = rows.sorted { x[$0][feature] < x[$1][feature] }
            var left = [Int](repeating: 0, count: classes), right = total
            // Σ count² per side: Gini·n = n − Σ c²/n, so minimising the weighted impurity is
            // maximising Σ c²_left / n_left + Σ c²_right / n_right.
            var leftSquares = 0.0, rightSquares = total.reduce(0.0) { $0 + Double($1 * $1) }
            for i in 0..<(n - 1) {
                let label = y[sorted[i]]
                leftSquares += Double(2 * left[label] + 1)
                rightSquares -= Double(2 * right[label] - 1)
                left[label] += 1
                right[label] -= 1
                let nl = i + 1, nr = n - nl
                let a = x[sorted[i]][feature], b = x[sorted[i + 1]][feature]
                guard nl >= minLeaf, nr >= minLeaf, a < b else { continue }
                let score = leftSquares / Double(nl) + rightSquares / Double(nr)
                if best == nil || score > best!.score {
                    var threshold = a / 2 + b / 2
                    if threshold >= b { threshold = a }  // keep a <= threshold < b in float
                    best = (score, feature, threshold)
                }
            }
        }
        // As scikit-learn with min_impurity_decrease = 0, the best split is taken even when it
        // lowers the impurity by nothing (its children may still split well).
        return best.map { ($0.feature, $0.threshold) }
    }
}
