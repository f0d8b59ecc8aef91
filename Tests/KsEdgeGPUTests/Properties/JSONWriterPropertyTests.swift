import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// The hand-written JSON is byte for byte what `JSONCoding.encoder` writes for the same value: the snapshot for every
/// exporter fixture (with and without node-exporter, healthy and faulty), and generated snapshots, fleets and problem
/// lists with hostile text, any finite number and unknowns anywhere.
@Suite struct JSONWriterPropertyTests {
    static func expectSameJSON(_ value: some JSONWritable & Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = try JSONWriter.bytes(of: value)
        let encoded = Array(try JSONCoding.encoder.encode(value))
        #expect(written == encoded, "\(String(decoding: written, as: UTF8.self))\nvs\n\(String(decoding: encoded, as: UTF8.self))",
                sourceLocation: sourceLocation)
    }

    /// Each page as the snapshot reads it, with its problems, alone and with node-exporter's real page joined in.
    @Test(arguments: Fixtures.exporterPages.map { "exporters/" + $0 } + ["health/dcgm-faults.prom", "health/jetson-agx-orin-hot.prom", "health/nvidia-smi-faults.prom"])
    func everyFixtureIsWrittenAsTheEncoderWritesIt(page: String) throws {
        let file = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/" + page).path
        let now = 1_795_432_961.123
        let job = Fixtures.job(of: (page as NSString).lastPathComponent)
        let exporter = try ExpositionParser.parse(String(contentsOfFile: file, encoding: .utf8), timestamp: now).map { series in
            Series(labels: series.labels.merging(["instance": "edge-1", "job": job]) { _, target in target }, points: series.points)
        }
        let host = try ExpositionParser.parse(String(contentsOfFile: Fixtures.nodeExporterPage, encoding: .utf8), timestamp: now).map { series in
            Series(labels: series.labels.merging(["instance": "edge-1", "job": "node-exporter"]) { _, target in target }, points: series.points)
        }
        for series in [exporter, exporter + host] {
            var snapshot = try #require(Normalizer.normalize(node: "edge-1", series: series))
            let (_, readings) = try #require(ExporterRegistry.standard.describe(series))
            snapshot.health = Problems.health(of: snapshot, signals: readings.signals, integrated: snapshot.exporter == .jetson,
                                              thresholds: .standard)
            snapshot.board.firstSeen = Date(timeIntervalSince1970: now - 86_400.5)
            try Self.expectSameJSON(snapshot)
        }
    }

    @Test func generatedSnapshotsAreWrittenAsTheEncoderWritesThem() async {
        await propertyCheck(count: 1500, input: Self.snapshots, perform: failingOnThrow { snapshot in
            try Self.expectSameJSON(snapshot)
        })
    }

    /// The fleet's answers, which a refresh encodes for thousands of rows, and `/edge/problems`.
    @Test func generatedFleetsAndProblemListsAreWrittenAsTheEncoderWritesThem() async {
        await propertyCheck(count: 500, input: Self.fleets, Self.problemLists, perform: failingOnThrow { fleet, problems in
            try Self.expectSameJSON(fleet)
            try Self.expectSameJSON(problems)
        })
    }

    /// A reading that is no number is refused, as the encoder refuses it, not written as text JSON cannot read.
    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aNonFiniteNumberIsRefusedAsTheEncoderRefusesIt(value: Double) {
        let snapshot = NodeGPU(node: "edge-1", exporter: .jetson, status: .online, observedAt: nil, fanPercent: value)
        #expect(throws: EncodingError.self) { try JSONWriter.bytes(of: snapshot) }
        #expect(throws: EncodingError.self) { try JSONCoding.encoder.encode(snapshot) }
    }

    // MARK: Generated snapshots

    static func maybe<T>(_ rng: inout any SeededRandomNumberGenerator, _ make: (inout any SeededRandomNumberGenerator) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func number(_ rng: inout any SeededRandomNumberGenerator) -> Double {
        let special: [Double] = [0, -0.0, 1, 100, 1e-7, 123.456, 1e21, 1e16, -1e300, 4.9e-324, .greatestFiniteMagnitude, 99.999999, 1_795_000_000.123]
        return switch Int.random(in: 0...2, using: &rng) {
        case 0: special.randomElement(using: &rng)!
        case 1: Double(Int.random(in: -100_000...100_000, using: &rng)) / 100
        default: Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &rng)) * (Bool.random(using: &rng) ? 1 : -1)
        }
    }

    static func text(_ rng: inout any SeededRandomNumberGenerator) -> String { HostileText.string(of: 0...16).run(using: &rng) }

    static func date(_ rng: inout any SeededRandomNumberGenerator) -> Date {
        Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000_000, using: &rng)) / 1000)
    }

    static func int(_ rng: inout any SeededRandomNumberGenerator) -> Int { [Int.min, Int.max, 0, Int.random(in: -1000...100_000, using: &rng)].randomElement(using: &rng)! }

    static func list<T>(_ rng: inout any SeededRandomNumberGenerator, upTo most: Int = 4, _ make: (inout any SeededRandomNumberGenerator) -> T) -> [T] {
        (0..<Int.random(in: 0...most, using: &rng)).map { _ in make(&rng) }
    }

    static let snapshots = Generator<NodeGPU, Shrink.None<NodeGPU>>(run: { rng in
        let board = NodeGPU.Board(
            model: maybe(&rng, text), jetpack: maybe(&rng, text), l4t: maybe(&rng, text), soc: maybe(&rng, text),
            codename: maybe(&rng, text), module: maybe(&rng, text), board: maybe(&rng, text),
            cudaArch: maybe(&rng, text), serialNumber: maybe(&rng, text), nvpmode: maybe(&rng, text),
            driverVersion: maybe(&rng, text), firstSeen: maybe(&rng, date), lastSeen: maybe(&rng, date))
        let gpus = list(&rng) { rng in
            NodeGPU.GPU(index: int(&rng), name: maybe(&rng, text), uuid: maybe(&rng, text),
                        utilizationPercent: maybe(&rng, number), memoryUsedBytes: maybe(&rng, number),
                        memoryTotalBytes: maybe(&rng, number), temperatureCelsius: maybe(&rng, number),
                        powerWatts: maybe(&rng, number), migProfile: maybe(&rng, text), migInstanceId: maybe(&rng, int))
        }
        let cpu = NodeGPU.CPU(averagePercent: maybe(&rng, number),
                              cores: list(&rng, upTo: 12) { rng in .init(core: int(&rng), utilizationPercent: maybe(&rng, number)) })
        let processes = list(&rng) { rng in
            NodeGPU.GPUProcess(pid: maybe(&rng, int), name: maybe(&rng, text), user: maybe(&rng, text),
                               cpuPercent: maybe(&rng, number), memoryBytes: maybe(&rng, number),
                               gpuMemoryBytes: maybe(&rng, number), namespace: maybe(&rng, text),
                               container: maybe(&rng, text), gpuIndex: maybe(&rng, int), gpuUuid: maybe(&rng, text))
        }
        let problems = list(&rng, problem)
        let unknown = list(&rng) { rng in ProblemCode.allCases.randomElement(using: &rng)! }
        return NodeGPU(
            node: text(&rng), exporter: ExporterKind.allCases.randomElement(using: &rng)!,
            sources: list(&rng) { rng in DataSource.allCases.randomElement(using: &rng)! },
            status: NodeStatus.allCases.randomElement(using: &rng)!, health: NodeGPU.Health(problems: problems, unknown: unknown),
            observedAt: maybe(&rng, date), board: board, uptimeSeconds: maybe(&rng, number), gpus: gpus, cpu: cpu,
            temperatures: list(&rng) { rng in .init(sensor: text(&rng), celsius: number(&rng)) },
            offlineSensors: list(&rng) { rng in text(&rng) },
            power: NodeGPU.Power(totalWatts: maybe(&rng, number), rails: list(&rng) { rng in .init(rail: text(&rng), watts: maybe(&rng, number)) }),
            fanPercent: maybe(&rng, number), processes: processes,
            memory: NodeGPU.Memory(totalBytes: maybe(&rng, number), availableBytes: maybe(&rng, number), usedBytes: maybe(&rng, number)),
            disk: NodeGPU.Disk(totalBytes: maybe(&rng, number), availableBytes: maybe(&rng, number)),
            network: NodeGPU.Network(receiveBytesPerSecond: maybe(&rng, number), transmitBytesPerSecond: maybe(&rng, number)),
            load1: maybe(&rng, number))
    })

    static func problem(_ rng: inout any SeededRandomNumberGenerator) -> Problem {
        Problem(code: ProblemCode.allCases.randomElement(using: &rng)!, severity: Severity.allCases.randomElement(using: &rng)!,
                gpu: maybe(&rng, int), sensor: maybe(&rng, text), value: maybe(&rng, number), message: text(&rng))
    }

    static let fleets = Generator<FleetList, Shrink.None<FleetList>>(run: { rng in
        let items = list(&rng, upTo: 6) { rng in
            FleetList.Item(node: text(&rng), exporter: maybe(&rng) { rng in ExporterKind.allCases.randomElement(using: &rng)! },
                           status: NodeStatus.allCases.randomElement(using: &rng)!, model: maybe(&rng, text),
                           gpuUtilizationPercent: maybe(&rng, number), gpuTemperatureCelsius: maybe(&rng, number), powerWatts: maybe(&rng, number),
                           memoryUtilizationPercent: maybe(&rng, number), gpuCount: maybe(&rng, int), gpuMemoryUsedBytes: maybe(&rng, number),
                           gpuMemoryTotalBytes: maybe(&rng, number), lastSeen: maybe(&rng, date),
                           health: HealthStatus.allCases.randomElement(using: &rng)!, problems: int(&rng))
        }
        return FleetList(items: items, totalItems: int(&rng))
    })

    static let problemLists = Generator<ProblemList, Shrink.None<ProblemList>>(run: { rng in
        ProblemList(items: list(&rng, upTo: 6) { rng in ProblemList.Item(node: text(&rng), problem(&rng)) }, totalItems: int(&rng))
    })
}
