import PostfixConfig
import Testing

@testable import PostfixHardening

/// The places of warnings index references only to the names warned about
/// as undefined: a main.cf of many values that refer to one another no longer
/// holds a table entry per referenced name.
struct ConfigWarningPlacesTests {
  static func configuration() -> PostfixConfiguration {
    let main = Array(
      """
      myhostname = mail.example.test
      zz_a = $zz_b $undefined_one
      zz_b = ${zz_c} $(undefined_two)
      zz_c = $myhostname $undefined_one

      """.utf8)
    let master = Array(
      """
      smtp inet n - y - - smtpd
        -o zz_override=$undefined_three,$zz_a

      """.utf8)
    return PostfixConfiguration(
      mainCF: MainCF(bytes: main), masterCF: MasterCF(bytes: master), host: ApplySupport.host,
      configDirectory: "/etc/postfix")
  }

  @Test func onlyTheUndefinedNamesAreIndexed() {
    let configuration = Self.configuration()
    let undefined = ConfigWarningRule.undefinedNames(in: configuration)
    #expect(undefined == ["undefined_one", "undefined_two", "undefined_three"])
    let places = ConfigWarningRule.Places(configuration, referencesTo: undefined)
    #expect(Set(places.mainReferences.keys) == ["undefined_one", "undefined_two"])
    #expect(places.mainReferences["undefined_one"]?.line == 2)
    #expect(places.mainReferences["undefined_one"]?.name == "zz_a")
    #expect(Set(places.masterReferences.keys) == ["undefined_three"])
    // Without a list, every referenced name, at the same places.
    let all = ConfigWarningRule.Places(configuration)
    #expect(Set(all.mainReferences.keys).isSuperset(of: ["zz_b", "zz_c", "myhostname"]))
    for (name, place) in places.mainReferences {
      #expect(all.mainReferences[name]?.line == place.line)
    }
    // None asked for: nothing is indexed.
    #expect(ConfigWarningRule.Places(configuration, referencesTo: []).mainReferences.isEmpty)
  }
}
