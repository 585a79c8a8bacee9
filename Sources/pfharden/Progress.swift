import Synchronization

/// Progress on standard error for steps that can take more than two seconds:
/// each step as it starts, replaced by its outcome when it ends.
///
/// Shown only when standard error is a terminal and `--quiet` is not given, so
/// logs, pipes and scripts never see it. The reporter may be called from any
/// thread (a probe reports from its own); a capturing console keeps what it
/// would have written in ``captured`` instead.
final class ProgressReporter: Sendable {
  /// The command, for the prefix (`pfharden probe: `).
  let tool: String
  /// Whether anything is shown.
  let isEnabled: Bool
  private let isCapturing: Bool
  private let state = Mutex(State())

  private struct State {
    /// The step shown without a newline, waiting for its end.
    var pending: String?
    /// What a capturing reporter wrote.
    var captured: [UInt8] = []
  }

  /// Erases the current terminal line (carriage return, erase to end of line).
  static let eraseLine = "\r\u{1B}[K"

  /// A reporter for a command.
  /// - Parameters:
  ///   - tool: The command (`probe`, `apply`...).
  ///   - console: The command's console: its standard error is asked whether it is a
  ///     terminal, and a capturing console makes the reporter capture.
  ///   - quiet: `--quiet` was given.
  ///   - terminal: Whether standard error is a terminal, when the caller knows
  ///     better than `isatty` (tests); nil asks the console.
  init(tool: String, console: Console, quiet: Bool, terminal: Bool? = nil) {
    self.tool = tool
    isEnabled = !quiet && (terminal ?? console.stderrIsTerminal)
    isCapturing = console.isCapturing
  }

  /// What a capturing reporter wrote.
  var captured: String {
    state.withLock { String(decoding: $0.captured, as: UTF8.self) }
  }

  /// Shows that a step starts: `pfharden TOOL: STEP ...`, without a newline.
  /// - Parameter step: What starts, in words.
  func begin(_ step: String) {
    guard isEnabled else { return }
    write { state in
      let erase = state.pending == nil ? "" : Self.eraseLine
      state.pending = step
      return erase + "pfharden \(tool): \(step) ..."
    }
  }

  /// Ends the step shown: erases it, and shows its outcome on a line of its own when given.
  /// - Parameter outcome: The line to leave (`vrfy: ran`), or nil to leave nothing.
  func end(_ outcome: String? = nil) {
    guard isEnabled else { return }
    write { state in
      let erase = state.pending == nil ? "" : Self.eraseLine
      state.pending = nil
      return erase + (outcome.map { "pfharden \(tool): \($0)\n" } ?? "")
    }
  }

  /// Writes what `body` returns, under the lock, so lines from several threads never mix.
  private func write(_ body: (inout State) -> String) {
    state.withLock { state in
      let bytes = Array(body(&state).utf8)
      if isCapturing {
        state.captured += bytes
      } else {
        Console.writeAll(fd: 2, bytes)
      }
    }
  }
}
