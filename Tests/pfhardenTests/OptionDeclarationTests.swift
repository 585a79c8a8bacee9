import Foundation
import Testing

@testable import pfharden

/// `--help`, the man page and the completions come from the same declarations.
@Suite struct OptionDeclarationTests {
  func run(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
    var console = Console.capturing()
    let status = CLI.run(arguments: ["pfharden"] + arguments, console: &console)
    return (
      status, String(decoding: console.stdout, as: UTF8.self),
      String(decoding: console.stderr, as: UTF8.self)
    )
  }

  /// The lines of a generated script between `start` and the first line that is `end`.
  func block(_ text: String, from start: String, to end: String) -> String {
    guard let range = text.range(of: start) else { return "" }
    let rest = text[range.upperBound...]
    guard let stop = rest.range(of: end) else { return String(rest) }
    return String(rest[..<stop.lowerBound])
  }

  /// Where each of the command's options must appear.
  func assertEverywhere(
    _ spec: CommandSpec, help: String, man: String, bash: String, zsh: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let bashCase = block(bash, from: "\n  \(spec.name))\n", to: "\n    ;;\n")
    let zshCase = block(zsh, from: "\n  (\(spec.name))\n", to: "\n    ;;\n")
    #expect(!bashCase.isEmpty && !zshCase.isEmpty, "\(spec.name)", sourceLocation: sourceLocation)
    for option in spec.allOptions {
      #expect(
        help.contains("  " + option.label), "\(spec.name) --help lacks \(option.label)",
        sourceLocation: sourceLocation)
      #expect(
        man.contains(".TP\n" + ManPage.label(option) + "\n"),
        "the man page lacks \(spec.name) \(option.label)", sourceLocation: sourceLocation)
      let listing = "$cur == -* ]]; then\n      COMPREPLY=($(compgen -W '"
      let words = block(bashCase, from: listing, to: "'").split(separator: " ")
      for name in option.names {
        #expect(
          words.contains(Substring(name)), "bash lacks \(spec.name) \(name)",
          sourceLocation: sourceLocation)
        #expect(
          zshCase.contains("'\(name)'"), "zsh lacks \(spec.name) \(name)",
          sourceLocation: sourceLocation)
      }
    }
  }

  @Test func everyDeclaredOptionIsInTheHelpTheManPageAndBothCompletions() {
    let man = run(["help", "--man"])
    let bash = run(["completion", "bash"])
    let zsh = run(["completion", "zsh"])
    #expect(man.status == 0 && bash.status == 0 && zsh.status == 0)
    for spec in CLI.specs {
      let help = spec.name == "help" ? run(["help", "--help"]) : run([spec.name, "--help"])
      #expect(help.status == 0, "\(spec.name)")
      #expect(
        man.stdout.contains(".SS pfharden \(ManPage.escape(spec.name))\n"), "\(spec.name)")
      #expect(run(["help"]).stdout.contains("\n  \(spec.name) "), "\(spec.name)")
      assertEverywhere(
        spec, help: help.stdout, man: man.stdout, bash: bash.stdout, zsh: zsh.stdout)
    }
  }

  @Test func anOptionAddedToACommandAppearsInTheHelpTheManPageAndBothCompletions() throws {
    var spec = ApplyCommand.spec
    let added = CommandOption(
      names: ["-Z", "--frobnicate"], value: "LEVEL", help: "Frobnicate at LEVEL.",
      completion: .choices(["low", "high"]))
    spec.options.append(added)
    let specs = CLI.specs.map { $0.name == spec.name ? spec : $0 }
    let help = HelpText.render(spec)
    let man = ManPage.render(specs)
    let bash = Completions.bash(specs)
    let zsh = Completions.zsh(specs)
    for text in [help, man, bash, zsh] { #expect(text.contains("frobnicate")) }
    assertEverywhere(spec, help: help, man: man, bash: bash, zsh: zsh)
    #expect(bash.contains("'-Z'|'--frobnicate') COMPREPLY=($(compgen -W 'low high'"))
    #expect(zsh.contains("{'-Z','--frobnicate'}'[Frobnicate at LEVEL]:LEVEL:(low high)'"))
    // The scanner takes it, in both spellings, and suggests it for a typo.
    guard case .scanned(let scanned) = spec.scan(["--frobnicate=high", "-Z", "low"]) else {
      Issue.record("not scanned")
      return
    }
    #expect(scanned.values(of: added) == ["high", "low"])
    guard case .usage(let message) = spec.scan(["--frobnicat"]) else {
      Issue.record("a typo was accepted")
      return
    }
    #expect(message == "unknown option '--frobnicat'. Did you mean '--frobnicate'?")
  }

  @Test func theBashCompletionIsValidBash() throws {
    let bash = "/bin/bash"
    guard FileManager.default.isExecutableFile(atPath: bash) else { return }
    let script = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-completion-\(UUID().uuidString).bash")
    try Data(run(["completion", "bash"]).stdout.utf8).write(to: script)
    defer { try? FileManager.default.removeItem(at: script) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: bash)
    // Completing `pfharden apply --tls m` offers `modern`, and `--dry` offers `--dry-run`.
    process.arguments = [
      "-c",
      """
      source "$1"
      COMP_WORDS=(pfharden apply --tls m); COMP_CWORD=3; _pfharden; echo "${COMPREPLY[*]}"
      COMP_WORDS=(pfharden apply --dry); COMP_CWORD=2; _pfharden; echo "${COMPREPLY[*]}"
      COMP_WORDS=(pfharden pro); COMP_CWORD=1; _pfharden; echo "${COMPREPLY[*]}"
      """,
      "bash", script.path,
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(String(decoding: data, as: UTF8.self) == "modern\n--dry-run\nprobe\n")
  }

  @Test func theManPageFormatsWithoutWarnings() throws {
    let groff = "/usr/bin/groff"
    guard FileManager.default.isExecutableFile(atPath: groff) else { return }
    let page = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-\(UUID().uuidString).8")
    try Data(run(["help", "--man"]).stdout.utf8).write(to: page)
    defer { try? FileManager.default.removeItem(at: page) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: groff)
    process.arguments = ["-man", "-ww", "-z", page.path]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(String(decoding: data, as: UTF8.self) == "")
  }

  @Test func theManPageAndCompletionsMatchTheSnapshots() throws {
    try ApplyCLIFixture.assertSnapshot(run(["help", "--man"]).stdout, named: "../cli/pfharden.8")
    try ApplyCLIFixture.assertSnapshot(
      run(["completion", "bash"]).stdout, named: "../cli/pfharden.bash")
    try ApplyCLIFixture.assertSnapshot(
      run(["completion", "zsh"]).stdout, named: "../cli/_pfharden.zsh")
    try ApplyCLIFixture.assertSnapshot(
      run(["completion", "--help"]).stdout, named: "../cli/completion-help.txt")
    try ApplyCLIFixture.assertSnapshot(
      run(["help", "--help"]).stdout, named: "../cli/help-help.txt")
  }

  @Test(arguments: [
    (["completion"], "missing SHELL (bash or zsh)"),
    (["completion", "fish"], "not a shell: 'fish' (bash or zsh)"),
    (["completion", "bash", "zsh"], "unexpected argument 'zsh'"),
    (["help", "--man", "apply"], "unexpected argument 'apply'"),
  ])
  func generatorUsageErrors(arguments: [String], message: String) {
    let result = run(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test func unknownOptionsAreEchoedSanitisedWithTheClosestOption() {
    for command in ["apply", "check", "probe", "backup", "restore", "diff", "version"] {
      let result = run([command, "--\u{1B}[2Jhelp"])
      #expect(result.status == 64, "\(command)")
      #expect(!result.stderr.contains("\u{1B}"), "\(command): \(result.stderr)")
      #expect(result.stderr.contains("unknown option '--?[2Jhelp'"), "\(result.stderr)")
    }
    #expect(run(["probe", "127.0.0.1", "--quite"]).stderr.contains("Did you mean '--quiet'?"))
    #expect(run(["backup", "--quite"]).stderr.contains("Did you mean '--quiet'?"))
  }
}

extension OptionDeclarationTests {
  @Test func helpAndTheTopLevelSuggestTheirOptions() {
    let man = run(["help", "--mna"])
    #expect(man.status == 64)
    #expect(man.stderr.contains("unknown option '--mna'. Did you mean '--man'?"), "\(man.stderr)")
    let version = run(["--verison"])
    #expect(version.status == 64)
    #expect(version.stderr.contains("Did you mean '--version'?"), "\(version.stderr)")
    #expect(run(["help", "apply", "check"]).status == 64)
  }
}
