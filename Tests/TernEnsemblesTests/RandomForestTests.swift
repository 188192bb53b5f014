import Foundation
import XCTest
import TernEnsembles

/// The random forest against scikit-learn on a committed fixture (scripts/forest_reference.py),
/// and CART's splits on data whose best split is known by hand.
final class RandomForestTests: XCTestCase {
    struct Fixture: Decodable {
        struct Split: Decodable { let x: [[Float]]; let y: [Int] }
        struct Params: Decodable { let n_estimators: Int; let max_depth: Int; let min_samples_leaf: Int }
        let train: Split
        let test: Split
        let params: Params
        let sklearn_accuracy_mean: Double
        let sklearn_accuracies: [Double]
    }

    func testAccuracyIsWithinTwoPointsOfScikitLearn() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "forest", withExtension: "json", subdirectory: "Fixtures"))
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let parameters = RandomForest.Parameters(trees: f.params.n_estimators, maxDepth: f.params.max_depth,
                                                 minSamplesLeaf: f.params.min_samples_leaf, seed: 0)
        let forest = RandomForest.train(x: f.train.x, y: f.train.y, classes: 4, parameters: parameters)
        let right = zip(f.test.x, f.test.y).filter { forest.predict($0) == $1 }.count
        let accuracy = Double(right) / Double(f.test.y.count)
        print(String(format: "random forest test accuracy: Tern %.4f, scikit-learn %.4f (seeds 0–9: %.4f–%.4f)", accuracy,
                     f.sklearn_accuracy_mean, f.sklearn_accuracies.min()!, f.sklearn_accuracies.max()!))
        // scikit-learn over seeds 0–9: mean 75.2%, 73.8–77.2%.
        XCTAssertEqual(accuracy, f.sklearn_accuracy_mean, accuracy: 0.02, "Tern \(accuracy) vs scikit-learn \(f.sklearn_accuracies)")
        XCTAssertTrue(forest.trees.allSatisfy { $0.depth <= 12 })

        // Seeded: the same seed grows the same forest; another seed another one.
        let small = RandomForest.Parameters(trees: 5, seed: 3)
        let a = RandomForest.train(x: f.train.x, y: f.train.y, classes: 4, parameters: small)
        XCTAssertEqual(a, RandomForest.train(x: f.train.x, y: f.train.y, classes: 4, parameters: small))
        XCTAssertNotEqual(a.trees, RandomForest.train(x: f.train.x, y: f.train.y, classes: 4, parameters: .init(trees: 5, seed: 4)).trees)
    }

    /// Two clusters on feature 1 (feature 0 is noise that splits nothing cleanly): one tree without
    /// bootstrap, trying every feature, splits at the midpoint 6.5 into two pure leaves.
    func testCARTSplitsAtTheBestGiniThreshold() {
        let x: [[Float]] = [[5, 1], [1, 2], [4, 3], [2, 10], [6, 11], [3, 12]]
        let y = [0, 0, 0, 1, 1, 1]
        let forest = RandomForest.train(x: x, y: y, classes: 2,
                                        parameters: .init(trees: 1, maxDepth: nil, minSamplesLeaf: 1, maxFeatures: 2, bootstrap: false))
        let tree = forest.trees[0]
        XCTAssertEqual(tree.nodes.count, 3)
        XCTAssertEqual(tree.nodes[0].feature, 1)
        XCTAssertEqual(tree.nodes[0].threshold, 6.5)
        XCTAssertEqual(tree.leaf([0, 2]), [1, 0])
        XCTAssertEqual(tree.leaf([0, 11]), [0, 1])
        XCTAssertEqual(forest.probabilities([0, 7]), [0, 1])
    }

    /// Depth and leaf-size limits stop growth: leaves then hold mixed distributions.
    func testLimitsStopGrowth() {
        let x: [[Float]] = (0..<8).map { [Float($0)] }
        let y = [0, 1, 0, 1, 0, 1, 0, 1]  // alternating: only tiny leaves are pure
        let stump = RandomForest.train(x: x, y: y, classes: 2, parameters: .init(trees: 1, maxDepth: 1, minSamplesLeaf: 1, bootstrap: false))
        XCTAssertEqual(stump.trees[0].depth, 1)
        let leafy = RandomForest.train(x: x, y: y, classes: 2, parameters: .init(trees: 1, maxDepth: nil, minSamplesLeaf: 4, bootstrap: false))
        XCTAssertEqual(leafy.trees[0].depth, 1, "4 rows per leaf allow one split of 8 rows")
        XCTAssertEqual(leafy.trees[0].leaf([0]), [0.5, 0.5])
        let full = RandomForest.train(x: x, y: y, classes: 2, parameters: .init(trees: 1, maxDepth: nil, minSamplesLeaf: 1, bootstrap: false))
        XCTAssertTrue((0..<8).allSatisfy { full.predict([Float($0)]) == y[$0] }, "grown out, it fits the training rows")
    }
}
