import Foundation
import TernLM

/// LLM-as-judge grading one answer against a rubric: a score on a fixed scale and the reason for
/// it. On a backend that enforces JSON schemas (the local engine) the grade is asked for as
/// `{"reason": …, "score": …}` and always parses into a grade (the reason is capped at 200
/// characters, so the score fits within the default 256 tokens even when a weak judge rambles,
/// and the score is one of the scale's values); elsewhere the judge writes "Reason: …" and
/// "Score: N" lines, which are parsed.
///
/// `.likelihood` suits base models: the prompt ends "Score (1 to 9):" and the grade is the score
/// expected under the model's probabilities of " 1" … " 9" (as G-Eval weighs scores), rounded;
/// the reason states the expectation. Its scale must be single digits.
///
///     let grader = RubricGrader(model: model, rubric: "Is the answer correct and complete?")
///     let g = try await grader.grade(question: "2 + 2?", answer: "4")   // Grade(score: 10, reason: …)
public struct RubricGrader: Sendable {
    public struct Grade: Sendable, Codable, Hashable {
        public var score: Int
        public var reason: String
        /// `.likelihood`: the expected score before rounding.
        public var expected: Double?

        public init(score: Int, reason: String, expected: Double? = nil) {
            self.score = score
            self.reason = reason
            self.expected = expected
        }

        /// The expected score where there is one, else the score.
        public var value: Double { expected ?? Double(score) }
    }

    public let model: any LanguageModel
    public let rubric: String
    public let scale: ClosedRange<Int>
    public var mode: JudgeMode
    public var parameters: GenerationParameters

    public init(model: any LanguageModel, rubric: String, scale: ClosedRange<Int> = 1...10, mode: JudgeMode = .generate,
                parameters: GenerationParameters = GenerationParameters(temperature: 0, maxTokens: 256)) {
        self.model = model
        self.rubric = rubric
        self.scale = scale
        self.mode = mode
        self.parameters = parameters
    }

    public func grade(question: String, answer: String) async throws -> Grade {
        if mode == .likelihood { return try await expectedGrade(question: question, answer: answer) }
        var p = parameters
        let structured = model.capabilities.contains(.jsonSchema)
        if structured { p.responseFormat = .jsonSchema(name: "grade", schema: schema) }
        let format = structured ? "Reply with a JSON object: {\"reason\": \"…\", \"score\": N}."
            : "Reply with one line \"Reason: …\" and then one line \"Score: N\"."
        let reply = try await model.chat([.user(prompt(question: question, answer: answer, format: format))], parameters: p).text
        guard let grade = Self.parse(reply, scale: scale) else {
            throw LMError.invalidRequest("the judge's answer has no score in \(scale.lowerBound)–\(scale.upperBound): \(reply.prefix(80).debugDescription)")
        }
        return grade
    }

    /// The score expected under P(" k") for each k of the scale, normalised over the scale.
    private func expectedGrade(question: String, answer: String) async throws -> Grade {
        guard scale.lowerBound >= 0, scale.upperBound <= 9 else {
            throw LMError.invalidRequest("likelihood grading needs single-digit scores (e.g. 1...9), got \(scale.lowerBound)...\(scale.upperBound)")
        }
        let text = prompt(question: question, answer: answer, format: nil) + "\n\nScore (\(scale.lowerBound) to \(scale.upperBound)):"
        let logprobs = try await model.score(.text(text), continuations: scale.map { " \($0)" }).map(\.total)
        let top = logprobs.max() ?? 0
        let weights = logprobs.map { Foundation.exp($0 - top) }, total = weights.reduce(0, +)
        let expected = zip(scale, weights).reduce(0) { $0 + Double($1.0) * $1.1 } / total
        return Grade(score: Int(expected.rounded()), reason: String(format: "expected score %.2f under the judge's probabilities", expected),
                     expected: expected)
    }

    var schema: JSONValue {
        .object(["type": .string("object"), "required": .array([.string("reason"), .string("score")]), "additionalProperties": .bool(false),
                 "properties": .object(["reason": .object(["type": .string("string"), "maxLength": .number(200)]),
                                        // An enum, not minimum/maximum: the decoder enforces only the sign of a bound.
                                        "score": .object(["enum": .array(scale.map { .number(Double($0)) })])])])
    }

    func prompt(question: String, answer: String, format: String?) -> String {
        """
            Grade the answer to the question below against the rubric, with a whole-number score from \
            \(scale.lowerBound) (worst) to \(scale.upperBound) (best)\(format.map { " and a short reason. " + $0 } ?? ".")

            [Rubric]
            \(rubric)

            [Question]
            \(question)

            [Answer]
            \(answer)
            """
    }

    /// A JSON grade, or "Score: N" (the last one) with the "Reason:" line if there is one; nil if
    /// there is no score within the scale.
    package static func parse(_ reply: String, scale: ClosedRange<Int>) -> Grade? {
        if let data = reply.data(using: .utf8), let json = try? JSONDecoder().decode(Grade.self, from: data) {
            return scale.contains(json.score) ? json : nil
        }
        var score: Int?, reason = ""
        for line in reply.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.lowercased().hasPrefix("score:") {
                let digits = t.dropFirst(6).trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }
                if let n = Int(digits) { score = n }
            } else if t.lowercased().hasPrefix("reason:") {
                reason = t.dropFirst(7).trimmingCharacters(in: .whitespaces)
            }
        }
        guard let score, scale.contains(score) else { return nil }
        return Grade(score: score, reason: reason)
    }
}
