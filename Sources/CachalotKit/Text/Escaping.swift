extension String {
    /// The text with each character `replacement` maps replaced by what it
    /// returns; characters it maps to nil are kept. One pass, one escaper
    /// for every output format (CSV, TSV, Prometheus labels, shell quotes).
    public func escaping(_ replacement: (Character) -> String?) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            if let replaced = replacement(character) { result += replaced } else { result.append(character) }
        }
        return result
    }
}
