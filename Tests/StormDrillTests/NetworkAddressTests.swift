import StormDrillPlan
import Testing

@Suite("Network address scopes")
struct NetworkAddressTests {
    @Test(
        "Scopes of numeric addresses",
        arguments: [
            ("127.0.0.1", NetworkAddress.Scope.loopback), ("127.255.0.9", .loopback), ("::1", .loopback),
            ("[::1]", .loopback), ("::ffff:127.0.0.1", .loopback), ("10.1.2.3", .privateNetwork),
            ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork), ("172.32.0.1", .publicInternet),
            ("192.168.1.1", .privateNetwork), ("fd12::1", .privateNetwork), ("169.254.169.254", .linkLocal),
            ("fe80::1%eth0", .linkLocal), ("0.0.0.0", .unspecified), ("::", .unspecified),
            ("203.0.113.7", .publicInternet), ("8.8.8.8", .publicInternet), ("2001:db8::1", .publicInternet),
            ("100.64.0.1", .publicInternet), ("::ffff:203.0.113.7", .publicInternet),
        ])
    func scopes(text: String, scope: NetworkAddress.Scope) throws {
        let address = try #require(NetworkAddress(text))
        #expect(address.scope == scope)
    }

    @Test(
        "Names and malformed text are not addresses",
        arguments: [
            "127.evil.example", "127.0.0.1.nip.io", "localhost", "127.1", "1.2.3.4.5", "", "::1\0", "12 7.0.0.1",
        ])
    func notAddresses(text: String) {
        #expect(NetworkAddress(text) == nil)
    }

    @Test("Loopback hosts: addresses and the name localhost, never a name that starts with 127.")
    func loopbackHosts() {
        #expect(NetworkAddress.isLoopback(host: "127.0.0.1"))
        #expect(NetworkAddress.isLoopback(host: "LOCALHOST"))
        #expect(NetworkAddress.isLoopback(host: "[::1]"))
        #expect(!NetworkAddress.isLoopback(host: "127.attacker.example"))
        #expect(!NetworkAddress.isLoopback(host: "10.0.0.1"))
        #expect(NetworkAddress("203.0.113.7")?.description == "203.0.113.7")
        #expect(NetworkAddress("0:0:0:0:0:0:0:1")?.description == "::1")
    }
}
