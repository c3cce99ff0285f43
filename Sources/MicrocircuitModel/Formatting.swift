import Foundation

/// Bytes in the largest binary unit that keeps the number at least 1 (e.g. "2.68 GiB").
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit + 1 < units.count { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.2f", value) + " " + units[unit]
}

/// A duration for people, to the second under a minute and coarser above: "42 s",
/// "3 min 05 s", "2 h 07 min".
public func formatDuration(_ seconds: Double) -> String {
    let total = Int(max(0, seconds.isFinite ? seconds : 0).rounded())
    if total < 60 { return "\(total) s" }
    if total < 3600 { return String(format: "%d min %02d s", total / 60, total % 60) }
    return String(format: "%d h %02d min", total / 3600, total % 3600 / 60)
}
