import Foundation
import Hummingbird
import HTTPTypes
import ServiceLifecycle

/// A `text/event-stream` response (Server-Sent Events): `retry:` first, then each event as it comes, and a comment
/// line every `heartbeat` so proxies keep the connection open and a dead client is noticed. It ends when `events`
/// ends, when the client goes away (a write fails), or when the server shuts down gracefully.
enum EventStream {
    static let heartbeat: Duration = .seconds(15)
    /// What a browser waits before reconnecting, in milliseconds.
    static let retryMilliseconds = 5_000

    static func response<Events: AsyncSequence & Sendable>(_ events: Events, heartbeat: Duration = heartbeat) -> Response
    where Events.Element == String {
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
            // nginx and ingress controllers buffer responses unless told not to.
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let (lines, output) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(8))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for try await event in events { output.yield(event) }
                        output.finish()
                    }
                    tasks.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: heartbeat)
                            output.yield(": heartbeat\n\n")
                        }
                    }
                    try await writer.write(ByteBuffer(string: "retry: \(retryMilliseconds)\n\n"))
                    for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                    tasks.cancelAll()
                }
            } onGracefulShutdown: {
                output.finish()
            }
            try await writer.finish(nil)
        })
    }

    /// One event: its name, an id, and its data on one line (JSON has no raw newlines).
    static func event(_ name: String, id: String?, data: ByteBuffer) -> String {
        "event: \(name)\n" + (id.map { "id: \($0)\n" } ?? "") + "data: \(String(buffer: data))\n\n"
    }
}
