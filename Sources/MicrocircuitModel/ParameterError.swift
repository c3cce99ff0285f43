/// A parameter that is out of range, unknown or inconsistent. The message names the
/// parameter and says what is allowed.
public struct ParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    public var parameter: String
    public var message: String

    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "invalid parameter '\(parameter)': \(message)" }
}
