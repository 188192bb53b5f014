import Foundation
import XCTest
import TernEngine

/// Meister et al.: add tokens in order of |−ln p − H| until their mass ≥ p.
final class TypicalSamplerTests: XCTestCase {
    // ids 0…3 have p = 0.2, 0.4, 0.1, 0.3.
    // H = 0.2·1.609438 + 0.4·0.916291 + 0.1·2.302585 + 0.3·1.203973 = 1.279854
    // |surprisal − H|: id0 |1.609438 − 1.279854| = 0.329584, id1 0.363563, id2 1.022731, id3 0.075881
    // typical order: id3 (0.3), id0 (0.2), id1 (0.4), id2 (0.1); cumulative 0.3, 0.5, 0.9, 1.0
    private let probs: [Float] = [0.2, 0.4, 0.1, 0.3]

    private func run(_ p: Float, minKeep: Int = 1) -> [Int] {
        var c = candidates(probs.map { logf($0) })
        var s = TypicalSampler(p, minKeep: minKeep)
        s.apply(&c, history: [])
        return live(c)
    }

    func testKeepsMostTypicalUntilMassReachesP() {
        XCTAssertEqual(run(0.45), [0, 3])        // 0.3 < 0.45 ≤ 0.5 (top-p would keep ids 1, 3)
        XCTAssertEqual(run(0.2), [3])            // 0.3 ≥ 0.2 at once
        XCTAssertEqual(run(0.6), [0, 1, 3])      // 0.5 < 0.6 ≤ 0.9
        XCTAssertEqual(run(0.95), [0, 1, 2, 3])  // 0.9 < 0.95 ≤ 1
    }

    func testMinKeep() {
        XCTAssertEqual(run(0.2, minKeep: 3), [0, 1, 3])
    }

    func testPOneIsANoOp() {
        var c = candidates(probs.map { logf($0) })
        let before = liveLogits(c)
        var s = TypicalSampler(1)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [0, 1, 2, 3])
        XCTAssertEqual(liveLogits(c), before)
    }

    func testSortedListStaysSortedAndScratchIsReused() {
        var c = candidates(probs.map { logf($0) })
        c.sort()  // ids 1, 3, 0, 2
        var s = TypicalSampler(0.45)
        s.apply(&c, history: [])
        XCTAssertEqual(live(c), [3, 0])
        XCTAssertTrue(c.sorted)
        // A second, smaller step with the same sampler instance.
        var d = candidates([logf(0.5), logf(0.5)])
        s.apply(&d, history: [])
        XCTAssertEqual(live(d), [0])  // H = ln 2, both exactly typical; 0.5 ≥ 0.45 after the first
    }
}
