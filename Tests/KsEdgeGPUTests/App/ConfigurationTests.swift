import Foundation
import Testing
@testable import KsEdgeGPU

@Suite struct ConfigurationTests {
    @Test(arguments: [
        ("30s", 30.0), ("1m", 60), ("1m30s", 90), ("500ms", 0.5), ("2h", 7200), ("10", 10), ("1.5s", 1.5), ("1d", 86_400),
    ])
    func durationsReadAsOperatorsWriteThem(text: String, seconds: Double) throws {
        #expect(try DurationText.parse(text).secondsValue == seconds)
    }

    @Test(arguments: ["", "s", "10x", "-5s", "1m-", "abc", "1e400s"])
    func badDurationsAreRejected(text: String) {
        #expect(throws: DurationText.Invalid.self) { try DurationText.parse(text) }
    }

    @Test(arguments: [Duration.seconds(30), .seconds(60), .seconds(90), .milliseconds(1500), .seconds(7200)])
    func formattedDurationsReadBack(duration: Duration) throws {
        #expect(try DurationText.parse(DurationText.format(duration)) == duration)
    }

    @Test func defaultsMatchTheDocumentedOnes() throws {
        let configuration = try ServeConfiguration.resolve(flags: [:], environment: [:])
        #expect(configuration.prometheusURL == "http://127.0.0.1:9090")
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 8080)
        #expect(configuration.databasePath == "./data/ks-edge-gpu.sqlite")
        #expect(configuration.nodeLabel.rawValue == "instance")
        #expect(configuration.refreshInterval == .seconds(30))
        #expect(configuration.prometheusTimeout == .seconds(10))
        #expect(configuration.scrapeInterval == .seconds(60))
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let configuration = try ServeConfiguration.resolve(
            flags: ["port": "9000", "scrape-interval": nil],
            environment: ["PORT": "7000", "SCRAPE_INTERVAL": "15s", "NODE_LABEL": "Hostname", "PROMETHEUS_URL": "http://p:32143"])
        #expect(configuration.port == 9000)
        #expect(configuration.scrapeInterval == .seconds(15))
        #expect(configuration.nodeLabel.rawValue == "Hostname")
        #expect(configuration.prometheusURL == "http://p:32143")
    }

    @Test(arguments: [
        (["port": "http"], [String: String](), "--port"),
        ([:], ["PORT": "70000"], "PORT"),
        (["prometheus-url": "localhost:9090"], [:], "--prometheus-url"),
        ([:], ["NODE_LABEL": "node-name"], "NODE_LABEL"),
        (["prometheus-timeout": "10"], [:], ""),
        (["refresh-interval": "0s"], [:], "--refresh-interval"),
        (["scrape-interval": "soon"], [:], "--scrape-interval"),
        (["log-level": "loud"], [:], "--log-level"),
    ] as [([String: String], [String: String], String)])
    func invalidSettingsNameTheirSource(flags: [String: String], environment: [String: String], source: String) {
        let flagValues = flags.mapValues { Optional($0) }
        if source.isEmpty {
            #expect(throws: Never.self) { try ServeConfiguration.resolve(flags: flagValues, environment: environment) }
        } else {
            #expect { try ServeConfiguration.resolve(flags: flagValues, environment: environment) } throws: { error in
                (error as? ServeConfiguration.Invalid)?.description.hasPrefix(source) == true
            }
        }
    }
}
