import Foundation

/// `GET /edge/inventory`: every board's current description, paged like the fleet, with how many of the selected
/// boards have each model, JetPack, L4T, driver and exporter (what a version roll-out plan starts from).
public struct InventoryList: Codable, Sendable, Hashable {
    public var items: [Item]
    public var totalItems: Int
    public var facets: Facets

    public init(items: [Item], totalItems: Int, facets: Facets) {
        self.items = items
        self.totalItems = totalItems
        self.facets = facets
    }

    public struct Item: Codable, Sendable, Hashable {
        public var node: String
        public var exporter: ExporterKind
        @Nullable public var model: String?
        @Nullable public var module: String?
        @Nullable public var serialNumber: String?
        @Nullable public var jetpack: String?
        @Nullable public var l4t: String?
        @Nullable public var driverVersion: String?
        @Nullable public var nvpmode: String?
        public var gpus: [GPU]
        public var firstSeen: Date
        public var lastSeen: Date

        public init(node: String, exporter: ExporterKind, model: String?, module: String?, serialNumber: String?, jetpack: String?,
                    l4t: String?, driverVersion: String?, nvpmode: String?, gpus: [GPU], firstSeen: Date, lastSeen: Date) {
            self.node = node
            self.exporter = exporter
            self.model = model
            self.module = module
            self.serialNumber = serialNumber
            self.jetpack = jetpack
            self.l4t = l4t
            self.driverVersion = driverVersion
            self.nvpmode = nvpmode
            self.gpus = gpus
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
        }
    }

    /// A GPU as the inventory knows it: its index, model and UUID (a Jetson's integrated GPU has none).
    public struct GPU: Codable, Sendable, Hashable {
        public var index: Int
        @Nullable public var name: String?
        @Nullable public var uuid: String?

        public init(index: Int, name: String?, uuid: String?) {
            self.index = index
            self.name = name
            self.uuid = uuid
        }
    }

    /// Per facet, each value's number of boards; a board without one (a Jetson has no driver) is not counted.
    public struct Facets: Codable, Sendable, Hashable {
        public var model: [String: Int]
        public var jetpack: [String: Int]
        public var l4t: [String: Int]
        public var driver: [String: Int]
        public var exporter: [String: Int]

        public init(model: [String: Int] = [:], jetpack: [String: Int] = [:], l4t: [String: Int] = [:], driver: [String: Int] = [:],
                    exporter: [String: Int] = [:]) {
            self.model = model
            self.jetpack = jetpack
            self.l4t = l4t
            self.driver = driver
            self.exporter = exporter
        }
    }
}
