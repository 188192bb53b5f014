import XCTest
import TernLM

/// Gemma's chat format, written out by hand from Gemma 3's published template.
final class GemmaTemplateTests: XCTestCase {
    func testSystemOpensTheFirstUserTurnAndModelAnswersAfter() throws {
        let text = try GemmaTemplate().render([.system("Be brief. "), .user(" Hi"), .assistant("Hello!"), .user("2+2?")],
                                              addGenerationPrompt: true)
        // The system text is kept as given (Gemma's template trims only the turns' own content).
        XCTAssertEqual(text, "<bos><start_of_turn>user\nBe brief. \n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                           + "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n")
    }

    func testNoGenerationPrompt() throws {
        XCTAssertEqual(try GemmaTemplate().render([.user("x")], addGenerationPrompt: false),
                       "<bos><start_of_turn>user\nx<end_of_turn>\n")
    }
}
