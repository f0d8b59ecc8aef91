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

    @Test(arguments: ["", "s", "10x", "-5s", "1m-", "abc", "1e400s", "1e300", "1e400", "-1", "NaN", "1000000000", "99999999999d"])
    func badDurationsAreRejected(text: String) {
        #expect(throws: DurationText.Invalid.self) { try DurationText.parse(text) }
    }

    @Test(arguments: [Duration.seconds(30), .seconds(60), .seconds(90), .milliseconds(1500), .seconds(7200)])
    func formattedDurationsReadBack(duration: Duration) throws {
        #expect(try DurationText.parse(DurationText.format(duration)) == duration)
    }

    @Test func defaultsMatchTheDocumentedOnes() throws {
        let configuration = try ServeConfiguration.resolve(flags: [:], environment: [:])
        #expect(configuration.prometheusURL.absoluteString == "http://127.0.0.1:9090")
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 8080)
        #expect(configuration.databasePath == "./data/ks-edge-gpu.sqlite")
        #expect(configuration.nodeLabel == nil)
        #expect(NodeLabels(.standard, common: configuration.nodeLabel)[JetsonCollector()].rawValue == "instance")
        #expect(configuration.migrationsDirectory == nil)
        #expect(configuration.publicDirectory == nil)
        #expect(configuration.refreshInterval == .seconds(30))
        #expect(configuration.prometheusTimeout == .seconds(10))
        #expect(configuration.scrapeInterval == .seconds(60))
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let configuration = try ServeConfiguration.resolve(
            flags: [.port: "9000"],
            environment: ["PORT": "7000", "SCRAPE_INTERVAL": "15s", "NODE_LABEL": "Hostname", "PROMETHEUS_URL": "http://p:32143",
                          "DCGM_NODE_LABEL": "node", "MIGRATIONS_DIR": "/srv/migrations"])
        #expect(configuration.port == 9000)
        #expect(configuration.scrapeInterval == .seconds(15))
        #expect(configuration.nodeLabel?.rawValue == "Hostname")
        #expect(configuration.exporterNodeLabels == [.dcgm: try #require(LabelName("node"))])
        #expect(configuration.prometheusURL.absoluteString == "http://p:32143")
        #expect(configuration.migrationsDirectory == "/srv/migrations")
    }

    @Test func everySettingHasOneFlagOneVariableAndHelpWithItsDefault() {
        #expect(Set(ServeSetting.all.map(\.flag)).count == ServeSetting.all.count)
        #expect(Set(ServeSetting.all.map(\.variable)).count == ServeSetting.all.count)
        #expect(ServeSetting.all.allSatisfy { $0.help.contains("[\($0.variable)]") && $0.help.contains("(default: ") })
        #expect(ServeSetting.scrapeInterval.help.hasSuffix("(default: 1m)"))
        #expect(ServeSetting.prometheusURL.help.hasSuffix("(default: http://127.0.0.1:9090)"))
        // The variables operators already use.
        #expect(ServeSetting.database.variable == "DATABASE_PATH")
        #expect(ServeSetting.migrations.variable == "MIGRATIONS_DIR")
        #expect(ServeSetting.publicDirectory.variable == "PUBLIC_DIR")
        #expect(ServeSetting.nvidiaSMINodeLabel.variable == "NVIDIA_SMI_NODE_LABEL")
    }

    @Test(arguments: [
        ([.port: "http"], [String: String](), "--port"),
        ([:], ["PORT": "70000"], "PORT"),
        ([.prometheusURL: "localhost:9090"], [:], "--prometheus-url"),
        ([:], ["NODE_LABEL": "node-name"], "NODE_LABEL"),
        ([.dcgmNodeLabel: "a-b"], [:], "--dcgm-node-label"),
        ([.prometheusTimeout: "10"], [:], ""),
        ([.refreshInterval: "0s"], [:], "--refresh-interval"),
        ([.scrapeInterval: "soon"], [:], "--scrape-interval"),
        ([:], ["CACHE_TTL": "soon"], "CACHE_TTL"),
        ([.logLevel: "loud"], [:], "--log-level"),
        ([:], ["LOG_FORMAT": "xml"], "LOG_FORMAT"),
        ([.logFormat: "JSON"], [:], ""),
    ] as [([ServeSetting: String], [String: String], String)])
    func invalidSettingsNameTheirSource(flags: [ServeSetting: String], environment: [String: String], source: String) {
        if source.isEmpty {
            #expect(throws: Never.self) { try ServeConfiguration.resolve(flags: flags, environment: environment) }
        } else {
            #expect { try ServeConfiguration.resolve(flags: flags, environment: environment) } throws: { error in
                (error as? ServeConfiguration.Invalid)?.description.hasPrefix(source) == true
            }
        }
    }
}
