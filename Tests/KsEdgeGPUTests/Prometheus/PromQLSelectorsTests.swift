import Testing
@testable import KsEdgeGPU

@Suite struct PromQLSelectorsTests {
    @Test(arguments: [
        ("gpu_usage_gpu", ["gpu_usage_gpu"]),
        (#"gpu_usage_gpu{instance="edge-1", gpu="val"}"#, ["gpu_usage_gpu"]),
        (#"sum by (instance) (rate(DCGM_FI_DEV_GPU_UTIL{instance=~"a|b"}[5m]))"#, ["DCGM_FI_DEV_GPU_UTIL"]),
        ("up or node_load1", ["up", "node_load1"]),
        (#"{__name__="gpu_usage_fan"}"#, ["gpu_usage_fan"]),
        ("gpu_a * on (uuid) group_left (index, name) nvidia_smi_gpu_info", ["gpu_a", "nvidia_smi_gpu_info"]),
        (#"label_replace(up, "dst", "node_load1", "src", "(.*)")"#, ["up"]),
        ("up # node_load1", ["up"]),
        ("max_over_time(gpu_a[5m:1m]) offset 1h", ["gpu_a"]),
        ("gpu_a @ start()", ["gpu_a"]),
        ("sum without (job) (gpu_a) > bool 5", ["gpu_a"]),
        ("job:gpu_usage:avg", ["job:gpu_usage:avg"]),
        ("-gpu_a + 1e3 * 0x1f", ["gpu_a"]),
        ("vector(1)", []),
    ] as [(String, [String])])
    func metricNamesAreFound(expression: String, metrics: [String]) throws {
        #expect(try PromQLSelectors.find(in: expression).map(\.metric) == metrics.map { Optional($0) })
    }

    @Test(arguments: [#"{__name__=~"gpu_.*"}"#, #"{job="x"}"#, #"{__name__!="up"}"#])
    func selectorsWithoutAnExactNameNameNone(expression: String) throws {
        #expect(try PromQLSelectors.find(in: expression).map(\.metric) == [nil])
    }

    @Test(arguments: ["up{", #"up{a="x""#, #""unclosed"#, "up[5m", "up{a=b}", "up ; drop", "up{a=\"x\"} ¿"])
    func unreadableExpressionsAreErrors(expression: String) {
        #expect(throws: PromQLSelectors.Unreadable.self) { try PromQLSelectors.find(in: expression) }
    }
}

@Suite struct PassThroughPolicyTests {
    let policy = PassThroughPolicy(patterns: ServeConfiguration().passThroughAllow)

    @Test(arguments: ["gpu_usage_gpu", #"avg(DCGM_FI_DEV_GPU_UTIL{gpu="0"})"#, "up", "nvidia_smi_temperature_gpu > 80",
                      #"{__name__="gpu_usage_fan"}"#])
    func allowedMetricsPass(expression: String) {
        #expect(policy.refusal(for: expression) == nil)
    }

    @Test(arguments: [
        ("node_load1", PassThroughPolicy.Refusal.notAllowed(selector: "node_load1")),
        ("gpu_usage_gpu or kube_secret_info", .notAllowed(selector: "kube_secret_info")),
        (#"{__name__=~"gpu_.*|kube_.*"}"#, .unnamed(selector: #"{__name__=~"gpu_.*|kube_.*"}"#)),
        ("upx", .notAllowed(selector: "upx")),
        ("xgpu_usage", .notAllowed(selector: "xgpu_usage")),
        ("vector(1)", .noSelector),
    ])
    func everythingElseIsRefusedNamingTheSelector(expression: String, refusal: PassThroughPolicy.Refusal) {
        #expect(policy.refusal(for: expression) == refusal)
    }

    @Test func unreadableIsRefused() {
        #expect(policy.refusal(for: "up{").map { if case .unreadable = $0 { true } else { false } } == true)
    }
}
