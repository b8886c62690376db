import CachalotKit

/// The Prometheus text exposition format (version 0.0.4), as node_exporter's
/// textfile collector reads it: one HELP and TYPE line per metric family,
/// then its samples.
struct PrometheusText {
    private var families: [(name: String, help: String, type: String, samples: [String])] = []

    mutating func add(_ name: String, help: String, type: String = "gauge",
                      labels: [(String, String)], value: Double) {
        let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        let sample = "cachalot_\(name)\(labelText) \(PythonFloatRepr.repr(value))"
        if let index = families.firstIndex(where: { $0.name == name }) {
            families[index].samples.append(sample)
        } else {
            families.append((name, help, type, [sample]))
        }
    }

    var text: String {
        families.map { family in
            (["# HELP cachalot_\(family.name) \(family.help)", "# TYPE cachalot_\(family.name) \(family.type)"]
             + family.samples).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    private static func escape(_ value: String) -> String {
        value.escaping { ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"][$0] }
    }
}
