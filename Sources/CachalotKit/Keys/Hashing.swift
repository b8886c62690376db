import Crypto

/// The digests Django, django-cachalot and sites' key functions put in key
/// names, as Python's `hashlib.<name>(...).hexdigest()` prints them.
public enum Hashing {
    public static func sha1Hex(_ text: String) -> String {
        hex(Insecure.SHA1.hash(data: Array(text.utf8)))
    }

    public static func md5Hex(_ text: String) -> String {
        hex(Insecure.MD5.hash(data: Array(text.utf8)))
    }

    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        TextFormatting.hex(bytes: digest)
    }
}
