/// Why the server could not start. `description` is the line printed before exiting 1.
public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
