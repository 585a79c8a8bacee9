/// The shortest of `runs` runs of `body`, in seconds.
///
/// The scaling tests compare such figures at two sizes, never with a fixed
/// time; the shortest run is the one the machine disturbed least.
/// - Parameters:
///   - runs: How many times `body` runs.
///   - body: The work measured (whatever it needs is made outside it).
/// - Returns: The shortest run's time.
func bestSeconds(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
  var best = Double.infinity
  for _ in 0..<runs {
    let elapsed = try ContinuousClock().measure(body)
    best = min(
      best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
  }
  return best
}
