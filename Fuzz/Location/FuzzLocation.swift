import FuzzSupport
@testable import CachalotKit

/// A LOCATION string: an endpoint or a refusal, and no message that shows
/// the password.
enum FuzzLocation {
    static func test(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let url = "redis://u:SECRETpw@" + text
        do {
            let endpoint = try RedisEndpoint(url: url)
            if endpoint.description.contains("SECRETpw") { fatalError("a description showed the password: \(endpoint.description)") }
        } catch let invalid as RedisEndpoint.Invalid {
            if invalid.reason.contains("SECRETpw") { fatalError("a message showed the password: \(invalid.reason)") }
        } catch {
            fatalError("unexpected \(error)")
        }
        if SecretMasking.url(url).contains("SECRETpw") && !text.contains("SECRETpw") { fatalError("masking missed: \(url)") }
        _ = try? RedisEndpoint(url: text)
    }
}

@main enum Main { static func main() { FuzzHarness.run(FuzzLocation.test) } }
