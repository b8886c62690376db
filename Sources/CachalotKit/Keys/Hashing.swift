/// The digests Django, django-cachalot and sites' key functions put in key
/// names, as Python's `hashlib.<name>(...).hexdigest()` prints them.
public enum Hashing {
    public static func sha1Hex(_ text: String) -> String {
        TextFormatting.hex(bytes: SHA1.hash(text))
    }

    public static func md5Hex(_ text: String) -> String {
        TextFormatting.hex(bytes: MD5.hash(text))
    }

    public static func sha256Hex(_ text: String) -> String {
        TextFormatting.hex(bytes: SHA256.hash(text))
    }
}
