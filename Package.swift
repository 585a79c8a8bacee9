// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "pfharden",
  products: [
    .library(name: "PostfixConfig", targets: ["PostfixConfig"]),
    .library(name: "PostfixHardening", targets: ["PostfixHardening"]),
    .library(name: "SMTPProbe", targets: ["SMTPProbe"]),
    .executable(name: "pfharden", targets: ["pfharden"]),
  ],
  dependencies: [],
  targets: [
    .target(name: "PostfixConfig"),
    .target(name: "PostfixHardening", dependencies: ["PostfixConfig"]),
    .target(name: "SMTPProbe"),
    .executableTarget(
      name: "pfharden",
      dependencies: ["PostfixConfig", "PostfixHardening", "SMTPProbe"]
    ),
    .testTarget(
      name: "PostfixConfigTests", dependencies: ["PostfixConfig"], exclude: ["Fixtures"]),
    .testTarget(
      name: "PostfixHardeningTests", dependencies: ["PostfixHardening", "PostfixConfig"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "SMTPProbeTests", dependencies: ["SMTPProbe"], exclude: ["TLS/Fixtures"]),
    .testTarget(
      name: "PublicAPITests", dependencies: ["PostfixConfig", "PostfixHardening", "SMTPProbe"]),
    .testTarget(
      name: "pfhardenTests",
      dependencies: ["pfharden", "PostfixConfig", "PostfixHardening", "SMTPProbe"],
      exclude: ["Snapshots"]),
  ],
  swiftLanguageModes: [.v6]
)
