#if canImport(Glibc)
import Glibc
#endif

extension Console {
  /// Whether standard error is a terminal (progress); never for a capturing console.
  var stderrIsTerminal: Bool { !isCapturing && isatty(2) == 1 }
}

extension Console {
  /// Adds what a capturing progress reporter wrote to standard error (tests read
  /// it there); a reporter on a real terminal has written it already.
  /// - Parameter progress: The reporter.
  mutating func keep(_ progress: ProgressReporter) {
    guard isCapturing else { return }
    err(progress.captured)
  }
}
