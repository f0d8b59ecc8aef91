import Synchronization
import Testing
@testable import KsEdgeGPU

#if canImport(Glibc)
@Suite struct FreedMemoryTests {
    /// On glibc (every Linux image ks-edge-gpu ships on) the refreshes really give freed memory back, rather than
    /// the lookup quietly finding nothing.
    @Test func glibcsTrimIsFound() {
        #expect(FreedMemory.canGiveBack)
        FreedMemory.giveBack()
    }
}
#endif

/// KubeSphere's every-node answers give the memory of every node's range back once they are built; a page of named
/// nodes and the fleet index's rows do not pay for a trim.
@Suite struct EveryNodeAnswerMemoryTests {
    final class Calls: Sendable {
        let count = Mutex(0)
    }

    static let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"

    func calls(after paths: [String]) async throws -> Int {
        let source = FakeMetricsSource()
        source.answerRanges(with: [Series(labels: ["ks_family": "gpu_utilization:dcgm", "instance": "edge-1", "gpu": "0"],
                                          points: [.init(timestamp: 1000, value: 50)])])
        let calls = Calls()
        try await TestApp.withRouter(source, giveBackMemory: { calls.count.withLock { $0 += 1 } }) { client, _ in
            for path in paths {
                let (status, _, error) = try await client.get(path, as: MonitoringResults.self)
                #expect(status == .ok, "\(path): \(error?.error.message ?? "")")
            }
        }
        return calls.count.withLock { $0 }
    }

    @Test func everyNodesRangeIsGivenBackAfterItsAnswer() async throws {
        // Once, after the answer was built from it.
        #expect(try await calls(after: ["\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&time=1000"]) == 1)
        #expect(try await calls(after: ["\(Self.base)/cluster/metrics?metrics_filter=cluster_gpu_utilization$&time=1000"]) == 1)
    }

    @Test func namedNodesAndTheIndexRowsAreNotTrimmed() async throws {
        #expect(try await calls(after: [
            "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&time=1000&resources_filter=edge-1|edge-2",
            "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$",
            "\(Self.base)/cluster/metrics?metrics_filter=cluster_gpu_utilization$",
        ]) == 0)
    }
}

#if canImport(Glibc)
@Suite struct LargeAllocationTests {
    /// The threshold is set on glibc, and left to the operator when `MALLOC_MMAP_THRESHOLD_` says otherwise.
    @Test func theThresholdIsKeptUnlessTheOperatorSetsIt() {
        #expect(FreedMemory.keepLargeAllocationsApart(environment: [:]))
        #expect(!FreedMemory.keepLargeAllocationsApart(environment: ["MALLOC_MMAP_THRESHOLD_": "65536"]))
    }
}
#endif
