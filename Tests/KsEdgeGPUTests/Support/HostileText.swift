import Foundation
import PropertyBased

/// Generators of text a hostile or careless client sends: mostly what our rules accept, mixed with the characters
/// that break quoting, parsing and case folding.
enum HostileText {
    /// Characters a DNS-1123 name may hold.
    static let nameCharacters = Array("abcdefghijklmnopqrstuvwxyz0123456789-.")
    /// Characters that end strings, selectors, paths and queries, or change length when case-folded or normalised.
    static let nasty: [Character] = [
        "\"", "\\", "'", "`", "{", "}", "(", ")", "[", "]", ",", "=", "~", "!", "$", "#", "%", "&", "?", "/", "+", ";", ":",
        "*", "|", "<", ">", "@", "^", " ", "_", "A", "Z", "\n", "\r", "\t", "\u{0}", "\u{7F}", "\u{85}", "\u{A0}", "é", "ß", "İ",
        "ﬁ", "K", "\u{301}", "\u{200B}", "\u{202E}", "\u{2028}", "\u{FEFF}", "\u{FFFD}", "🙂", "👩‍👩‍👧", "中", "Ω", "\u{10FFFF}",
    ]

    /// One character: mostly a name's, otherwise a nasty one.
    static let character = Generator<Character, Shrink.None<Character>>(run: { rng in
        Int.random(in: 0..<4, using: &rng) == 0 ? nasty.randomElement(using: &rng)! : nameCharacters.randomElement(using: &rng)!
    })

    /// Any text, `length` characters long.
    static func string(of length: ClosedRange<Int>) -> Generator<String, Shrink.None<String>> {
        Generator(run: { rng in
            let count = Int.random(in: length, using: &rng)
            return String((0..<count).map { _ in character.run(using: &rng) })
        })
    }

    /// Text shaped like a node name: labels joined by dots, some of them broken, some names too long.
    static let nodeNameLike = Generator<String, Shrink.None<String>>(run: { rng in
        let labels = Int.random(in: 1...4, using: &rng)
        let longest = Int.random(in: 0..<10, using: &rng) == 0 ? 120 : 12
        var parts: [String] = []
        for _ in 0..<labels {
            let length = Int.random(in: 0...longest, using: &rng)
            parts.append(String((0..<length).map { _ in
                Int.random(in: 0..<12, using: &rng) == 0 ? nasty.randomElement(using: &rng)! : nameCharacters.dropLast().randomElement(using: &rng)!
            }))
        }
        return parts.joined(separator: ".")
    })

    /// Names the API accepts: valid DNS-1123 subdomains of every length up to the limit.
    static let validNodeName = Generator<String, Shrink.None<String>>(run: { rng in
        let alphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let total = Int.random(in: 1...253, using: &rng)
        var name = ""
        while name.count < total {
            if !name.isEmpty { name.append(".") }
            let room = total - name.count
            let length = Int.random(in: 1...max(1, min(room, 63)), using: &rng)
            var label = String((0..<length).map { _ in Int.random(in: 0..<5, using: &rng) == 0 ? "-" : alphanumerics.randomElement(using: &rng)! })
            label.replaceSubrange(label.startIndex...label.startIndex, with: String(alphanumerics.randomElement(using: &rng)!))
            label.replaceSubrange(label.index(before: label.endIndex)..., with: String(alphanumerics.randomElement(using: &rng)!))
            name += label
        }
        // A trailing dot from the loop's last step cannot happen (every step adds a label), but a name may overrun by one.
        return String(name.prefix(253)).trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
    })

    /// Percent-encodes every byte outside unreserved ASCII, as a client building a URL would.
    static func percentEncoded(_ text: String) -> String {
        text.utf8.map { byte in
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            return unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }
}

/// What Kubernetes itself accepts as a node name (`IsDNS1123Subdomain` in k8s.io/apimachinery), written from its
/// regular expression, as the reference the hand-written check is compared with.
enum KubernetesNames {
    static let subdomain = try! NSRegularExpression(pattern: #"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z"#)

    static func isDNS1123Subdomain(_ text: String) -> Bool {
        text.utf8.count <= 253 && subdomain.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
