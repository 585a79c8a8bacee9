import Testing

@testable import PostfixConfig

/// `WarningTexts` gives back every warning as it was added, whether its head
/// (`PATH: `) was kept apart or not, across chunks.
struct WarningTextsTests {
  @Test func everyTextComesBackWhole() {
    var texts = WarningTexts()
    var added: [String] = []
    for index in 0..<30_000 {
      let text: String
      switch index % 5 {
      case 0: text = "/etc/postfix/main.cf: unused parameter: zz_\(index)=\(index)"
      case 1: text = "/etc/postfix/main.cf, line \(index): overriding earlier entry: a=b"
      case 2: text = "/srv/d\(index % 300)/main.cf: unused parameter: y=\(index)"
      case 3: text = "open \"mysql\" configuration \"/x/\(index).cf\": No such file or directory"
      default: text = "/no-separator-\(index)"
      }
      added.append(text)
      texts.append(Array(text.utf8)[...])
    }
    var visited: [String] = []
    texts.visit { visited.append($0) }
    #expect(visited == added)
    // Paths are kept once, up to the limit; the rest stays in the text.
    #expect(texts.heads.count == WarningTexts.maximumHeads)
    #expect(texts.chunks.count > 1)
    var rebuilt: [String] = []
    texts.visitRanges { head, chunk, range in
      rebuilt.append(String(decoding: head + chunk[range], as: UTF8.self))
    }
    #expect(rebuilt == added)
  }
}
