import Testing
@testable import KsEdgeGPU

/// The fleet's problem answers folded as they are parsed, one fold per query, then merged: the same problems as the
/// whole answer folded at once.
@Suite struct FleetProblemsFoldTests {
    let query = GPUQueries().fleetProblems(.standard)
    let exporters: [String: ExporterKind] = ["server-1": .dcgm, "server-2": .dcgm, "orin-1": .jetson]

    /// A series of the problem expression `code` of `source`, as Prometheus answers it.
    func tripped(_ code: ProblemCode, _ source: DataSource, node: String, gpu: Int? = nil, reading: Double) -> Series {
        var labels = [FamilyTag.label: FamilyTag.tag(FleetProblemsQuery.prefix + code.rawValue, source), "instance": node]
        labels["gpu"] = gpu.map(String.init)
        return Series(labels: labels, points: [.init(timestamp: 1_800_000_000, value: reading)])
    }

    @Test func mergedFoldsKeepTheMostSevereReadingOfEachProblem() throws {
        // The same GPU hot in two answers (a MIG instance repeating its GPU's reading): warning in one, critical in the other.
        let first = [tripped(.gpuHot, .dcgm, node: "server-1", gpu: 0, reading: 88), tripped(.gpuHot, .dcgm, node: "server-2", gpu: 1, reading: 86)]
        let second = [tripped(.gpuHot, .dcgm, node: "server-1", gpu: 0, reading: 97)]
        var folds = [query.folding(exporters: exporters), query.folding(exporters: exporters)]
        first.forEach { folds[0].add($0) }
        second.forEach { folds[1].add($0) }
        for order in [folds, folds.reversed()] {
            var merged = order[0]
            merged.merge(order[1])
            let problems = merged.problems
            #expect(problems["server-1"]?.map(\.severity) == [.critical], "97 °C is past the critical limit")
            #expect(problems["server-1"]?.first?.value == 97)
            #expect(problems["server-2"]?.map(\.severity) == [.warning])
            var whole = query.folding(exporters: exporters)
            (first + second).forEach { whole.add($0) }
            #expect(problems == whole.problems, "the same as one answer folded whole")
        }
    }

    @Test func foldLeavesOutNodesWithoutAGPUExporterAndProblemsOfAnotherExporter() {
        var fold = query.folding(exporters: exporters)
        fold.add(tripped(.gpuHot, .dcgm, node: "unknown-node", gpu: 0, reading: 99))
        fold.add(tripped(.gpuHot, .nvidiaSMI, node: "server-1", gpu: 0, reading: 99))
        fold.add(tripped(.gpuHot, .jetson, node: "orin-1", gpu: 0, reading: 99))
        #expect(fold.problems.isEmpty, "no exporter, another exporter's series, a problem that cannot concern an integrated GPU")
    }
}
