// The fleet's answers written by hand (`JSONWritable`), keys in sorted order: the bytes `JSONCoding.encoder` writes,
// held to them by tests. A refresh encodes the whole fleet; JSONEncoder's tree of boxed values for thousands of rows
// was a large part of a refresh's memory at its peak.

/// A page of rows and how many there are in all: `{"items": […], "totalItems": n}`.
protocol JSONWritablePage: JSONWritable {
    associatedtype Item: JSONWritable
    var items: [Item] { get }
    var totalItems: Int { get }
}

extension JSONWritablePage {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("items", items)
            try json.field("totalItems", totalItems)
        }
    }
}

extension FleetList: JSONWritablePage {}

extension FleetList.Item: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("exporter", exporter)
            try json.field("gpuCount", gpuCount)
            try json.field("gpuMemoryTotalBytes", gpuMemoryTotalBytes)
            try json.field("gpuMemoryUsedBytes", gpuMemoryUsedBytes)
            try json.field("gpuTemperatureCelsius", gpuTemperatureCelsius)
            try json.field("gpuUtilizationPercent", gpuUtilizationPercent)
            try json.field("health", health)
            try json.field("lastSeen", lastSeen)
            try json.field("memoryUtilizationPercent", memoryUtilizationPercent)
            try json.field("model", model)
            try json.field("node", node)
            try json.field("powerWatts", powerWatts)
            try json.field("problems", problems)
            try json.field("status", status)
        }
    }
}

extension ProblemList: JSONWritablePage {}

extension ProblemList.Item: JSONWritable {
    public func write(to json: inout JSONWriter) throws {
        try json.object { json in
            try json.field("code", code)
            try json.field("gpu", gpu)
            try json.field("message", message)
            try json.field("node", node)
            try json.field("sensor", sensor)
            try json.field("severity", severity)
            try json.field("value", value)
        }
    }
}
