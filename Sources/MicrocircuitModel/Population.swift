/// The eight cortical populations of the Potjans & Diesmann (2014) microcircuit, in the
/// reference's order. The raw value is the index used by every per-population table.
public enum Population: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case l23e, l23i, l4e, l4i, l5e, l5i, l6e, l6i

    public static let count = allCases.count

    public var name: String { Population.names[rawValue] }
    public var description: String { name }
    public var isExcitatory: Bool { rawValue % 2 == 0 }

    public static let names = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]

    /// Looks a population up by its reference name (`L23E` ... `L6I`).
    public init(name: String) throws {
        guard let index = Population.names.firstIndex(of: name) else {
            throw ParameterError(
                parameter: name,
                message: "unknown population name; the populations are \(Population.names.joined(separator: ", "))")
        }
        self.init(rawValue: index)!
    }
}

/// A value for each population, indexed by `Population`.
public typealias PerPopulation<Value> = [Value]

/// A matrix indexed `[target][source]`, as in the reference's connection-probability table.
public typealias PopulationMatrix<Value> = [[Value]]
