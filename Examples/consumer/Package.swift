// swift-tools-version:6.0
import PackageDescription

// A separate package that uses pfharden's three libraries as any other Swift
// tool would: through their products, never `@testable`.
let package = Package(
  name: "consumer",
  dependencies: [
    // Named, so that the products resolve whatever the checkout's folder is called.
    .package(name: "pfharden", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "consumer",
      dependencies: [
        .product(name: "PostfixConfig", package: "pfharden"),
        .product(name: "PostfixHardening", package: "pfharden"),
        .product(name: "SMTPProbe", package: "pfharden"),
      ]
    )
  ],
  swiftLanguageModes: [.v6]
)
