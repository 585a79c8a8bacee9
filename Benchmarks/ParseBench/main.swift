// Parses and serialises a main.cf repeatedly and prints the throughput.
// Built by Benchmarks/postconf.sh together with the PostfixConfig sources.
#if canImport(Glibc)
import Glibc
#endif

func readAll(_ path: String) -> [UInt8] {
  guard let file = fopen(path, "rb") else { return [] }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = fread(&buffer, 1, buffer.count, file)
    if count <= 0 { break }
    bytes += buffer[0..<count]
  }
  return bytes
}

func now() -> Double {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : "main.cf"
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let bytes = readAll(path)
var best = Double.infinity
for _ in 0..<rounds {
  let start = now()
  let document = MainCF(bytes: bytes)
  let again = document.serialized()
  let elapsed = now() - start
  if again != bytes {
    print("round trip failed")
    exit(1)
  }
  best = min(best, elapsed)
}
print(best)
