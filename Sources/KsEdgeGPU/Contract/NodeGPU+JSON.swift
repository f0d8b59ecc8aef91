// The snapshot's JSON written by hand (`JSONWritable`), keys in sorted order: the bytes `JSONCoding.encoder` writes
// for the same value, held to them by tests.

extension ExporterKind: JSONWritableName {}
extension NodeStatus: JSONWritableName {}
extension DataSource: JSONWritableName {}
extension Severity: JSONWritableName {}
extension HealthStatus: JSONWritableName {}
extension ProblemCode: JSONWritableName {}

extension NodeGPU: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("board", board)
            try json.field("cpu", cpu)
            try json.field("disk", disk)
            try json.field("exporter", exporter)
            try json.field("fanPercent", fanPercent)
            try json.field("gpus", gpus)
            try json.field("health", health)
            try json.field("load1", load1)
            try json.field("memory", memory)
            try json.field("network", network)
            try json.field("node", node)
            try json.field("observedAt", observedAt)
            try json.field("offlineSensors", offlineSensors)
            try json.field("power", power)
            try json.field("processes", processes)
            try json.field("sources", sources)
            try json.field("status", status)
            try json.field("temperatures", temperatures)
            try json.field("uptimeSeconds", uptimeSeconds)
        }
    }
}

extension NodeGPU.Board: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("board", board)
            try json.field("codename", codename)
            try json.field("cudaArch", cudaArch)
            try json.field("driverVersion", driverVersion)
            try json.field("firstSeen", firstSeen)
            try json.field("jetpack", jetpack)
            try json.field("l4t", l4t)
            try json.field("lastSeen", lastSeen)
            try json.field("model", model)
            try json.field("module", module)
            try json.field("nvpmode", nvpmode)
            try json.field("serialNumber", serialNumber)
            try json.field("soc", soc)
        }
    }
}

extension NodeGPU.GPU: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("index", index)
            try json.field("memoryTotalBytes", memoryTotalBytes)
            try json.field("memoryUsedBytes", memoryUsedBytes)
            try json.field("migInstanceId", migInstanceId)
            try json.field("migProfile", migProfile)
            try json.field("name", name)
            try json.field("powerWatts", powerWatts)
            try json.field("temperatureCelsius", temperatureCelsius)
            try json.field("utilizationPercent", utilizationPercent)
            try json.field("uuid", uuid)
        }
    }
}

extension NodeGPU.CPU: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("averagePercent", averagePercent)
            try json.field("cores", cores)
        }
    }
}

extension NodeGPU.CPU.Core: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("core", core)
            try json.field("utilizationPercent", utilizationPercent)
        }
    }
}

extension NodeGPU.Temperature: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("celsius", celsius)
            try json.field("sensor", sensor)
        }
    }
}

extension NodeGPU.Power: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("rails", rails)
            try json.field("totalWatts", totalWatts)
        }
    }
}

extension NodeGPU.Power.Rail: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("rail", rail)
            try json.field("watts", watts)
        }
    }
}

extension NodeGPU.GPUProcess: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("container", container)
            try json.field("cpuPercent", cpuPercent)
            try json.field("gpuIndex", gpuIndex)
            try json.field("gpuMemoryBytes", gpuMemoryBytes)
            try json.field("gpuUuid", gpuUuid)
            try json.field("memoryBytes", memoryBytes)
            try json.field("name", name)
            try json.field("namespace", namespace)
            try json.field("pid", pid)
            try json.field("user", user)
        }
    }
}

extension NodeGPU.Memory: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("availableBytes", availableBytes)
            try json.field("totalBytes", totalBytes)
            try json.field("usedBytes", usedBytes)
        }
    }
}

extension NodeGPU.Disk: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("availableBytes", availableBytes)
            try json.field("totalBytes", totalBytes)
        }
    }
}

extension NodeGPU.Network: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("receiveBytesPerSecond", receiveBytesPerSecond)
            try json.field("transmitBytesPerSecond", transmitBytesPerSecond)
        }
    }
}

extension NodeGPU.Health: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("problems", problems)
            try json.field("status", status)
            try json.field("unknown", unknown)
        }
    }
}

extension Problem: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("code", code)
            try json.field("gpu", gpu)
            try json.field("message", message)
            try json.field("sensor", sensor)
            try json.field("severity", severity)
            try json.field("value", value)
        }
    }
}
