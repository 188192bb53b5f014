import Foundation
import TernLM

/// A two-step arithmetic word problem with its exact answer and a worked solution in the format
/// the few-shot prompt teaches, one step a line ("5 + 3 = 8.\n8 - 2 = 6.\nAnswer: 6").
public struct ArithmeticProblem: Sendable, Hashable, Codable {
    public var question: String
    public var solution: String
    public var answer: Int

    public init(question: String, solution: String, answer: Int) {
        self.question = question
        self.solution = solution
        self.answer = answer
    }
}

/// Seeded arithmetic word problems for experiments on test-time search: the same seed gives the
/// same problems on every machine. Numbers stay small (the default model is 270M parameters) and
/// every intermediate result is a non-negative integer.
///
///     let problems = ArithmeticProblems.generate(count: 100, seed: 7)
///     let prompt = ArithmeticProblems.prompt(for: problems[0])
public enum ArithmeticProblems {
    static let names = ["Sam", "Mia", "Leo", "Ava", "Ben", "Zoe", "Max", "Eva", "Tom", "Ivy", "Noah", "Lily"]
    static let things = ["apples", "marbles", "stickers", "pencils", "cookies", "cards", "shells", "coins"]

    /// `count` distinct problems of `steps` operations each (2, or 3 for the harder set that
    /// `tern train grpo --eval-only --three-step` measures and no training ever draws from).
    public static func generate(count: Int, seed: UInt64, steps: Int = 2) -> [ArithmeticProblem] {
        precondition(steps == 2 || steps == 3, "two- or three-step problems")
        var rng = SeededGenerator(seed: seed)
        var seen = Set<String>(), out: [ArithmeticProblem] = []
        while out.count < count {
            let p = make(&rng, steps: steps)
            if seen.insert(p.question).inserted { out.append(p) }
        }
        return out
    }

    /// The few-shot prompt that ends where the model writes the solution to `problem`.
    public static func prompt(for problem: ArithmeticProblem) -> String {
        prompt(question: problem.question)
    }

    public static func prompt(question: String) -> String {
        fewShot + "Problem: \(question)\n"
    }

    /// Where a solution ends: the blank line before the next problem, or the next problem.
    public static let stop = ["\n\n", "\nProblem:"]

    /// Three problems solved by hand, in the format the model is to follow.
    public static let fewShot = """
        Solve each problem step by step, then give the answer.

        Problem: Kim has 7 pears. She buys 5 more and gives away 4. How many pears does Kim have now?
        7 + 5 = 12.
        12 - 4 = 8.
        Answer: 8

        Problem: Jon has 4 jars with 6 nuts in each. He gives away 5 of them. How many nuts are left?
        4 * 6 = 24.
        24 - 5 = 19.
        Answer: 19

        Problem: Ann has 16 beads. She loses 9 of them and then finds 4 more. How many beads does Ann have now?
        16 - 9 = 7.
        7 + 4 = 11.
        Answer: 11


        """

    /// The worked solution with one slip: the last step's result, and so the answer, off by `delta`
    /// ("… = 8.\nAnswer: 8" becomes "… = 10.\nAnswer: 10" for delta 2).
    public static func slipped(_ problem: ArithmeticProblem, by delta: Int) -> String {
        var lines = problem.solution.components(separatedBy: "\n")
        let wrong = problem.answer + delta, last = lines.count - 2
        lines[last] = lines[last].replacingOccurrences(of: "= \(problem.answer).", with: "= \(wrong).")
        lines[last + 1] = "Answer: \(wrong)"
        return lines.joined(separator: "\n")
    }

    private static func make(_ rng: inout SeededGenerator, steps: Int) -> ArithmeticProblem {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(rng.next() % UInt64(r.count)) }
        let name = pick(names), thing = pick(things)
        let pronoun = ["Sam", "Leo", "Ben", "Max", "Tom", "Noah"].contains(name) ? "He" : "She"
        if steps == 3 {
            switch int(0...3) {
            case 0:
                let a = int(3...20), b = int(2...12), c = int(1...(a + b - 1)), d = int(2...9)
                return build("\(name) has \(a) \(thing). \(pronoun) buys \(b) more, gives away \(c), and then finds \(d) more. "
                             + "How many \(thing) does \(name) have now?", [(a, "+", b), (a + b, "-", c), (a + b - c, "+", d)])
            case 1:
                let a = int(2...6), b = int(2...9), c = int(2...12), d = int(1...(a * b + c - 1))
                return build("\(name) has \(a) bags with \(b) \(thing) in each. \(pronoun) gets \(c) more and then gives away \(d). "
                             + "How many \(thing) does \(name) have now?", [(a, "*", b), (a * b, "+", c), (a * b + c, "-", d)])
            case 2:
                let a = int(2...6), b = int(2...9), c = int(1...(a * b - 1)), d = int(2...15)
                return build("There are \(a) rows of \(b) chairs. Then \(c) chairs are taken away and \(d) new chairs are added. "
                             + "How many chairs are there?", [(a, "*", b), (a * b, "-", c), (a * b - c, "+", d)])
            default:
                let a = int(2...9), b = int(2...5), c = int(2...12), d = int(1...(a * b + c - 1))
                return build("\(name) earns \(a) coins a day for \(b) days, gets \(c) more coins as a gift, and spends \(d) coins. "
                             + "How many coins does \(name) have left?", [(a, "*", b), (a * b, "+", c), (a * b + c, "-", d)])
            }
        }
        switch int(0...4) {
        case 0:
            let a = int(3...20), b = int(2...12), c = int(1...(a + b - 1))
            return build("\(name) has \(a) \(thing). \(pronoun) buys \(b) more and gives away \(c). How many \(thing) does \(name) have now?",
                         [(a, "+", b), (a + b, "-", c)])
        case 1:
            let a = int(2...6), b = int(2...9), c = int(1...(a * b - 1))
            return build("\(name) has \(a) bags with \(b) \(thing) in each. \(pronoun) gives away \(c) of them. How many \(thing) are left?",
                         [(a, "*", b), (a * b, "-", c)])
        case 2:
            let a = int(2...6), b = int(2...9), c = int(1...15)
            return build("There are \(a) rows of \(b) chairs. Then \(c) more chairs are added. How many chairs are there?",
                         [(a, "*", b), (a * b, "+", c)])
        case 3:
            let a = int(8...25), b = int(1...(a - 1)), c = int(2...12)
            return build("\(name) has \(a) \(thing). \(pronoun) loses \(b) of them and then finds \(c) more. How many \(thing) does \(name) have now?",
                         [(a, "-", b), (a - b, "+", c)])
        default:
            let a = int(2...9), b = int(2...5), c = int(1...(a * b - 1))
            return build("\(name) earns \(a) coins a day for \(b) days and spends \(c) coins. How many coins does \(name) have left?",
                         [(a, "*", b), (a * b, "-", c)])
        }
    }

    private static func build(_ question: String, _ ops: [(Int, String, Int)]) -> ArithmeticProblem {
        var lines: [String] = [], value = 0
        for (x, op, y) in ops {
            value = op == "+" ? x + y : op == "-" ? x - y : x * y
            lines.append("\(x) \(op) \(y) = \(value).")
        }
        return ArithmeticProblem(question: question, solution: (lines + ["Answer: \(value)"]).joined(separator: "\n"), answer: value)
    }
}
