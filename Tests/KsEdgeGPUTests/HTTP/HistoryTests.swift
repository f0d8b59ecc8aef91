import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

@Suite struct HistoryRequestTests {
    let now = 1_795_432_961.0

    @Test func defaultsAreTheLastHourInAtMost240Points() throws {
        let request = try HistoryRequest.parse([:], now: now)
        #expect(request.metrics == HistoryMetric.allCases)
        #expect(request.step == 16)
        // The last hour, moved back to whole steps: the newest point is at most one step old, never in the future.
        #expect(request.end <= now && request.end > now - request.step)
        #expect(request.start <= now - 3600 && request.start > now - 3600 - request.step)
        #expect(request.start.truncatingRemainder(dividingBy: request.step) == 0)
        #expect(request.end.truncatingRemainder(dividingBy: request.step) == 0)
        #expect(request.pointCount <= 240)
    }

    @Test func chartsRedrawnWithinAStepAskForTheSamePoints() throws {
        let first = try HistoryRequest.parse(["step": "30s"], now: 1_795_432_950)
        for later in [1_795_432_951.0, 1_795_432_965.5, 1_795_432_979.9] {
            #expect(try HistoryRequest.parse(["step": "30s"], now: later) == first)
        }
        #expect(try HistoryRequest.parse(["step": "30s"], now: 1_795_432_980) != first)
        let monitoring = try MonitoringRequest.parse(["start": "1795429361", "end": "1795432961", "step": "1m"], now: 1_795_432_961)
        #expect(monitoring.range == HistoryQuery.Range(start: 1_795_429_320, end: 1_795_432_920, step: 60))
    }

    @Test func timesReadAsRFC3339OrUnixSeconds() throws {
        let request = try HistoryRequest.parse(["start": "2026-11-23T10:00:00Z", "end": "1795431600.5", "step": "5m"], now: now)
        #expect(request.start == 1_795_428_000)
        #expect(request.end == 1_795_431_600)
        #expect(request.step == 300)
        #expect(try HistoryRequest.parse(["step": "30"], now: now).step == 30)
    }

    @Test func metricsAreChosenByName() throws {
        let request = try HistoryRequest.parse(["metrics": "gpu_power, board_temperature,gpu_power"], now: now)
        #expect(request.metrics == [.gpuPower, .boardTemperature])
    }

    @Test(arguments: [
        (["start": "-5"], "start"),
        (["end": "-1"], "end"),
        (["start": "yesterday"], "start"),
        (["start": "1795432000", "end": "1795431000"], "start"),
        (["end": "1795600000"], "end"),
        (["step": "0"], "step"),
        (["step": "-10s"], "step"),
        (["step": "soon"], "step"),
        (["start": "0", "step": "1"], "step"),
        (["metrics": "gpu_utilization,fan_speed"], "metrics"),
        (["metrics": ","], "metrics"),
    ])
    func badParametersAre400sNamingTheParameter(parameters: [String: String], parameter: String) {
        #expect { try HistoryRequest.parse(parameters, now: now) } throws: { error in
            guard let error = error as? APIError else { return false }
            return error.status == .badRequest && error.code == "invalid_parameter" && error.message.contains("'\(parameter)'")
        }
    }

    @Test func exactly11000PointsIsAllowed() throws {
        #expect(try HistoryRequest.parse(["start": "0", "end": "10999", "step": "1"], now: now).pointCount == 11_000)
        #expect(throws: APIError.self) { try HistoryRequest.parse(["start": "0", "end": "11000", "step": "1"], now: now) }
    }
}

@Suite struct HistoryQueryTests {
    let range = HistoryQuery.Range(start: 100, end: 160, step: 10)

    func query(_ metrics: [HistoryMetric] = HistoryMetric.allCases) throws -> HistoryQuery {
        GPUQueries().history(try #require(NodeName("edge-1")), metrics: metrics)
    }

    /// A series as Prometheus answers a clause of the history query: tagged with its metric and exporter.
    func series(_ metric: String, _ labels: [String: String], _ points: [(Double, Double)], exporter: ExporterKind = .dcgm) -> Series {
        Series(labels: labels.merging(["ks_family": "\(metric):\(exporter.rawValue)", "job": "x", "UUID": "GPU-1"]) { a, _ in a },
               points: points.map { .init(timestamp: $0.0, value: $0.1) })
    }

    @Test func gapsStayNullAtEveryStep() throws {
        let built = try query().decode([series("gpu_utilization", ["gpu": "0"], [(110, 5), (120, 0), (150, 7)])], over: range)
        #expect(built.count == 1)
        #expect(built[0].points.map(\.timestamp) == [100, 110, 120, 130, 140, 150, 160])
        #expect(built[0].points.map(\.value) == [nil, 5, 0, nil, nil, 7, nil])
        #expect(built[0].labels == ["gpu": "0"])
        #expect(built[0].unit == "percent")
    }

    @Test func physicalReadingsRepeatedOnMIGInstancesAppearOnce() throws {
        let built = try query().decode([
            series("board_power", ["rail": "gpu0", "mig_instance": "1"], [(100, 120)]),
            series("board_power", ["rail": "gpu0", "mig_instance": "2"], [(100, 120)]),
        ], over: range)
        #expect(built.map(\.labels) == [["rail": "gpu0"]])
    }

    @Test func coresTheBoardLacksAreDroppedAndOrderIsNatural() throws {
        // The Jetson collector writes 8 cores; the board's power mode says 6 are on.
        let mode = Series(labels: ["ks_family": "gpu_nvpmode_info", "mode": "MODE_15W_6CORE", "nvpmode": "mode"], points: [.init(timestamp: 100, value: 1)])
        let built = try query().decode((1...8).reversed().map { series("cpu_utilization", ["core": "\($0)"], [(100, 1)], exporter: .jetson) }
            + [series("board_temperature", ["sensor": "gpu10"], [(100, 1)]), series("board_temperature", ["sensor": "gpu2"], [(100, 1)]), mode],
            over: range)
        #expect(built.filter { $0.metric == .cpuUtilization }.map { $0.labels["core"] } == ["1", "2", "3", "4", "5", "6"])
        #expect(built.filter { $0.metric == .boardTemperature }.map { $0.labels["sensor"] } == ["gpu2", "gpu10"])
    }

    @Test func historyQueryIsOneExpressionWithEscapedNode() throws {
        let text = try query([.gpuPower]).promQL.text
        #expect(text.contains(#"instance="edge-1""#))
        #expect(text.contains(#""ks_family", "gpu_power:jetson""#))
        #expect(!text.contains("gpu_usage_cpu"))
    }
}

@Suite struct HistoryRouteTests {
    @Test(arguments: ["step=0", "start=-1", "metrics=nope", "start=tomorrow", "start=0&step=0.001"])
    func badParametersAre400AndSendNothing(query: String) async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, database in
            let (status, _, error) = try await client.get("/edge/nodes/edge-1/gpu/history?\(query)", as: History.self)
            #expect(status == .badRequest)
            #expect(error?.error.code == "invalid_parameter")
            #expect(!source.queries.contains { $0.text.contains("edge-1") })
        }
    }

    @Test func answerHasThePointsOfTheRangeQueryOnWholeSteps() async throws {
        let source = FakeMetricsSource()
        source.answerRanges(with: [Series(labels: ["ks_family": "gpu_temperature:dcgm", "gpu": "0", "instance": "edge-1"],
                                          points: [.init(timestamp: 960, value: 41.5), .init(timestamp: 1020, value: 42)])])
        try await TestApp.withRouter(source) { client, database in
            // 1000…1130 asked, 960…1080 answered: both ends moved back to whole minutes.
            let (status, history, _) = try await client.get("/edge/nodes/edge-1/gpu/history?start=1000&end=1130&step=1m", as: History.self)
            #expect(status == .ok)
            #expect(history?.step == 60)
            #expect(history?.series.first?.points == [.init(timestamp: 960, value: 41.5), .init(timestamp: 1020, value: 42),
                                                     .init(timestamp: 1080, value: nil)])
            #expect(history?.series.first?.unit == "celsius")
        }
    }

    /// Values Prometheus passes through as numbers: the largest finite ones stay themselves, NaN and ±Inf are gaps.
    @Test func extremeValuesAreAnsweredAsNumbersOrGaps() async throws {
        let source = FakeMetricsSource()
        let values = [Double.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .nan, .infinity, 1e300]
        source.answerRanges(with: [Series(labels: ["ks_family": "gpu_power:dcgm", "gpu": "0", "instance": "edge-1"],
                                          points: values.enumerated().map { .init(timestamp: 960 + Double($0.offset) * 60, value: $0.element) })])
        try await TestApp.withRouter(source) { client, _ in
            let (status, history, _) = try await client.get("/edge/nodes/edge-1/gpu/history?start=960&end=1200&step=1m&metrics=gpu_power", as: History.self)
            #expect(status == .ok)
            #expect(history?.series.first?.points.map(\.value) == [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, nil, nil, 1e300])
        }
    }

    @Test func unknownNodeIs404AndPrometheusDownIs503() async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, database in
            let (notFound, _, _) = try await client.get("/edge/nodes/edge-1/gpu/history", as: History.self)
            #expect(notFound == .notFound)
            source.fail(with: .unreachable("refused"))
            let (down, _, error) = try await client.get("/edge/nodes/edge-1/gpu/history", as: History.self)
            #expect(down == .serviceUnavailable)
            #expect(error?.error.code == "prometheus_unavailable")
        }
    }
}
