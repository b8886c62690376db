"""Key functions of the kind sites write to keep keys short."""
import hashlib


def md5_of_key(key, key_prefix, version):
    return "%s:%s:%s" % (key_prefix, version, hashlib.md5(key.encode()).hexdigest())


def sha1_of_all(key, key_prefix, version):
    return hashlib.sha1(("%s:%s:%s" % (key_prefix, version, key)).encode()).hexdigest()
